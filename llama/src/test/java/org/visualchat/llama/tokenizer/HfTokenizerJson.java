package org.visualchat.llama.tokenizer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.visualchat.llama.tokenizer.proto.SentencePieceModel.ModelProto;

/**
 * Writes LLaMA-style HF tokenizer.json files for the tests (there is no real one here), in the layout of
 * formats.md §2.5, from two independent sources of vocabulary and merges:
 * <ul>
 *   <li>a SentencePiece model, converted as transformers' {@code LlamaConverter} /
 *       {@code SentencePieceExtractor} do: every split of a piece into two pieces is a merge, merges ordered by
 *       the merged piece's score (descending, stable), ties by the parts' ids;</li>
 *   <li>llama-tokenizer-js, which ships LLaMA's 32000 pieces and HF's own merge list (61,249 pairs).</li>
 * </ul>
 */
final class HfTokenizerJson {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** An entry of added_tokens (always special and matched on the raw text). */
    record Added(String content, int id, boolean lstrip, boolean rstrip) {}

    private HfTokenizerJson() {}

    static Path fromSentencePieceModel(Path model) throws IOException {
        ModelProto proto = ModelProto.parseFrom(Files.readAllBytes(model));
        List<String> pieces = proto.getPiecesList().stream().map(ModelProto.SentencePiece::getPiece).toList();
        Map<String, Integer> ids = new HashMap<>();
        for (int id = 0; id < pieces.size(); id++) ids.put(pieces.get(id), id);
        record Merge(String left, String right, float score, int leftId, int rightId) {}
        List<Merge> merges = new ArrayList<>();
        for (int id = 0; id < pieces.size(); id++) {
            String piece = pieces.get(id);
            List<Merge> local = new ArrayList<>();
            for (int cut = 1; cut < piece.length(); cut++) {
                if (Character.isLowSurrogate(piece.charAt(cut))) continue;
                String left = piece.substring(0, cut);
                String right = piece.substring(cut);
                if (ids.containsKey(left) && ids.containsKey(right)) {
                    local.add(new Merge(left, right, proto.getPieces(id).getScore(), ids.get(left), ids.get(right)));
                }
            }
            local.sort(Comparator.comparingInt(Merge::leftId).thenComparingInt(Merge::rightId));
            merges.addAll(local);
        }
        merges.sort(Comparator.comparingDouble((Merge m) -> m.score()).reversed());
        List<String[]> pairs = merges.stream().map(m -> new String[] {m.left(), m.right()}).toList();
        List<Added> specials = new ArrayList<>();
        for (int id = 0; id < pieces.size(); id++) {
            ModelProto.SentencePiece.Type type = proto.getPieces(id).getType();
            if (type == ModelProto.SentencePiece.Type.UNKNOWN || type == ModelProto.SentencePiece.Type.CONTROL) {
                specials.add(new Added(pieces.get(id), id, false, false));
            }
        }
        return write(pieces, pairs, specials);
    }

    /** LLaMA's vocabulary and HF merges, with added tokens {@code <unk> <s> </s>} (0-2) and {@code extra}. */
    static Path fromLlamaTokenizerJs(List<Added> extra) throws IOException {
        String js = NpmFixtures.llamaTokenizerJs();
        List<String> pieces = List.of(new String(Base64.getDecoder().decode(
                NpmFixtures.stringConstant(js, "llama_vocab_base64")), StandardCharsets.UTF_8).split("\n"));
        // Merges: little-endian uint16 token ids, two per merge, in HF rank order.
        byte[] merges = Base64.getDecoder().decode(NpmFixtures.stringConstant(js, "llama_merges_binary"));
        List<String[]> pairs = new ArrayList<>();
        for (int i = 0; i + 3 < merges.length; i += 4) {
            int left = (merges[i] & 0xFF) | (merges[i + 1] & 0xFF) << 8;
            int right = (merges[i + 2] & 0xFF) | (merges[i + 3] & 0xFF) << 8;
            pairs.add(new String[] {pieces.get(left), pieces.get(right)});
        }
        List<Added> added = new ArrayList<>(List.of(new Added("<unk>", 0, false, false),
                new Added("<s>", 1, false, false), new Added("</s>", 2, false, false)));
        added.addAll(extra);
        return write(pieces, pairs, added);
    }

    private static Path write(List<String> pieces, List<String[]> merges, List<Added> specials) throws IOException {
        ObjectNode root = JSON.createObjectNode();
        root.put("version", "1.0");
        ArrayNode added = root.putArray("added_tokens");
        for (Added special : specials) {
            added.addObject().put("id", special.id()).put("content", special.content()).put("single_word", false)
                    .put("lstrip", special.lstrip()).put("rstrip", special.rstrip()).put("normalized", false)
                    .put("special", true);
        }
        ObjectNode normalizer = root.putObject("normalizer");
        normalizer.put("type", "Sequence");
        ArrayNode steps = normalizer.putArray("normalizers");
        steps.addObject().put("type", "Prepend").put("prepend", "\u2581");
        ObjectNode replace = steps.addObject().put("type", "Replace");
        replace.putObject("pattern").put("String", " ");
        replace.put("content", "\u2581");
        root.putNull("pre_tokenizer");
        ObjectNode model = root.putObject("model");
        model.put("type", "BPE").putNull("dropout").put("unk_token", "<unk>").putNull("continuing_subword_prefix")
                .putNull("end_of_word_suffix").put("fuse_unk", true).put("byte_fallback", true);
        ObjectNode vocab = model.putObject("vocab");
        for (int id = 0; id < pieces.size(); id++) vocab.put(pieces.get(id), id);
        ArrayNode mergeList = model.putArray("merges");
        merges.forEach(m -> mergeList.add(m[0] + " " + m[1]));
        Path file = Files.createTempFile("tokenizer", ".json");
        file.toFile().deleteOnExit();
        JSON.writeValue(file.toFile(), root);
        return file;
    }
}
