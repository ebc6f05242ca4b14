package org.visualchat.llama.tokenizer;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads an HF {@code tokenizer.json} of the LLaMA kind (formats.md §2.5): {@code model} of type BPE with
 * {@code vocab}, {@code merges} ("a b" strings or [a, b] pairs), {@code byte_fallback}, {@code fuse_unk},
 * {@code unk_token}, {@code ignore_merges}; {@code normalizer} null or a Sequence of {@code Prepend("▁")} and
 * {@code Replace(" " → "▁")}, or equivalently the pre-tokenizer {@code Metaspace} with {@code split: false} and
 * prepend scheme "always"; {@code added_tokens}. The {@code decoder} and {@code post_processor} sections are
 * not read: decoding uses SentencePiece's rules and BOS/EOS are {@code <s>}/{@code </s>}, added on request.
 * Anything else (other models, normalisers, pre-tokenizers, BPE dropout, subword prefixes, single-word or
 * normalised added tokens) is refused with a message naming the field.
 */
final class TokenizerJsonLoader {
    private TokenizerJsonLoader() {}

    static LlamaTokenizer load(Path file) throws IOException {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(file.toFile());
        } catch (JacksonException e) {
            throw new TokenizerFormatException(file + ": not valid JSON: " + e.getOriginalMessage(), e);
        }
        return fromJson(file.toString(), root);
    }

    static LlamaTokenizer fromJson(String source, JsonNode root) throws TokenizerFormatException {
        JsonNode model = root.path("model");
        require(source, "model.type", model.path("type").asText(""), "BPE");
        for (String field : List.of("continuing_subword_prefix", "end_of_word_suffix")) {
            if (!model.path(field).asText("").isEmpty()) {
                throw new TokenizerFormatException(source + ": model." + field + " = \"" + model.path(field).asText()
                        + "\" is not supported (LLaMA uses none)");
            }
        }
        if (!model.path("dropout").isNull() && !model.path("dropout").isMissingNode()) {
            throw new TokenizerFormatException(source + ": model.dropout = " + model.path("dropout")
                    + " is not supported (BPE dropout is a training-time randomisation)");
        }
        Map<String, Integer> vocabMap = readVocab(source, model.path("vocab"));
        int modelSize = vocabMap.size();
        String[] pieces = new String[modelSize];
        vocabMap.forEach((piece, id) -> pieces[id] = piece);

        boolean byteFallback = model.path("byte_fallback").asBoolean(false);
        String unkToken = model.path("unk_token").isTextual() ? model.path("unk_token").asText() : null;
        List<AddedToken> addedTokens = readAddedTokens(source, root.path("added_tokens"));
        PieceType[] types = new PieceType[modelSize];
        Arrays.fill(types, PieceType.NORMAL);
        for (AddedToken token : addedTokens) {
            if (token.id() < modelSize && token.special()) types[token.id()] = PieceType.CONTROL;
        }
        for (int id = 0; id < modelSize; id++) {
            if (byteFallback && Vocabulary.byteValue(pieces[id]) >= 0) types[id] = PieceType.BYTE;
            if (pieces[id].equals(unkToken)) types[id] = PieceType.UNKNOWN;
        }
        Vocabulary vocab = new Vocabulary(source, Arrays.asList(pieces), new float[modelSize], Arrays.asList(types));

        int size = modelSize;
        for (AddedToken token : addedTokens) {
            if (token.id() >= modelSize) size = Math.max(size, token.id() + 1);
            else if (!pieces[token.id()].equals(token.content())) {
                throw new TokenizerFormatException(source + ": added token " + token.id() + " \"" + token.content()
                        + "\" differs from model.vocab's piece \"" + pieces[token.id()] + "\"");
            }
        }
        for (int id = modelSize; id < size; id++) {
            final int wanted = id;
            if (addedTokens.stream().noneMatch(t -> t.id() == wanted)) {
                throw new TokenizerFormatException(source + ": no token has id " + id + " (ids must be contiguous)");
            }
        }
        int unkId = unkToken == null ? -1 : vocabMap.getOrDefault(unkToken, -1);
        HfBpe bpe = new HfBpe(vocabMap, readMerges(source, model.path("merges"), vocabMap), unkId, byteFallback,
                model.path("fuse_unk").asBoolean(false), model.path("ignore_merges").asBoolean(false));
        int bos = idOf(vocabMap, addedTokens, "<s>");
        int eos = idOf(vocabMap, addedTokens, "</s>");
        return new LlamaTokenizer(vocab, readNormalizer(source, root), bpe, new AddedTokens(addedTokens), size,
                bos, eos, -1, " \u2047 ");
    }

    private static Map<String, Integer> readVocab(String source, JsonNode vocab) throws TokenizerFormatException {
        if (!vocab.isObject() || vocab.isEmpty()) {
            throw new TokenizerFormatException(source + ": model.vocab is missing or empty");
        }
        Map<String, Integer> map = new HashMap<>();
        boolean[] seen = new boolean[vocab.size()];
        for (var entry : vocab.properties()) {
            int id = entry.getValue().asInt(-1);
            if (!entry.getValue().canConvertToInt() || id < 0 || id >= seen.length || seen[id]) {
                throw new TokenizerFormatException(source + ": model.vocab[\"" + entry.getKey() + "\"] = "
                        + entry.getValue() + " is not a unique id in [0, " + seen.length + ")");
            }
            seen[id] = true;
            map.put(entry.getKey(), id);
        }
        return map;
    }

    private static Map<Long, HfBpe.Rule> readMerges(String source, JsonNode merges, Map<String, Integer> vocab)
            throws TokenizerFormatException {
        if (!merges.isArray()) throw new TokenizerFormatException(source + ": model.merges is missing");
        Map<Long, HfBpe.Rule> rules = new HashMap<>();
        for (int rank = 0; rank < merges.size(); rank++) {
            JsonNode merge = merges.get(rank);
            String left;
            String right;
            if (merge.isArray() && merge.size() == 2) {
                left = merge.get(0).asText();
                right = merge.get(1).asText();
            } else {
                String[] parts = merge.asText().split(" ", -1);
                if (!merge.isTextual() || parts.length != 2) {
                    throw new TokenizerFormatException(source + ": model.merges[" + rank + "] = " + merge
                            + " is not a pair \"a b\"");
                }
                left = parts[0];
                right = parts[1];
            }
            Integer leftId = vocab.get(left);
            Integer rightId = vocab.get(right);
            Integer mergedId = vocab.get(left + right);
            if (leftId == null || rightId == null || mergedId == null) {
                throw new TokenizerFormatException(source + ": model.merges[" + rank + "] = " + merge
                        + " uses or makes a token missing from model.vocab");
            }
            // The first listing of a pair wins, as when HF builds its merge map.
            rules.putIfAbsent(HfBpe.pairKey(leftId, rightId), new HfBpe.Rule(rank, mergedId));
        }
        return rules;
    }

    private static List<AddedToken> readAddedTokens(String source, JsonNode tokens) throws TokenizerFormatException {
        List<AddedToken> result = new ArrayList<>();
        for (int i = 0; i < tokens.size(); i++) {
            JsonNode t = tokens.get(i);
            String where = source + ": added_tokens[" + i + "]";
            if (!t.path("content").isTextual() || t.path("content").asText().isEmpty() || !t.path("id").canConvertToInt()) {
                throw new TokenizerFormatException(where + " needs a non-empty \"content\" and an integer \"id\"");
            }
            if (t.path("single_word").asBoolean(false)) {
                throw new TokenizerFormatException(where + " (\"" + t.path("content").asText()
                        + "\"): single_word tokens are not supported");
            }
            if (t.path("normalized").asBoolean(false) && !t.path("content").asText().equals(t.path("content").asText().strip())) {
                throw new TokenizerFormatException(where + " (\"" + t.path("content").asText()
                        + "\"): normalized tokens containing whitespace are not supported");
            }
            result.add(new AddedToken(t.path("content").asText(), t.path("id").asInt(),
                    t.path("special").asBoolean(false), t.path("lstrip").asBoolean(false),
                    t.path("rstrip").asBoolean(false)));
        }
        return result;
    }

    /** Maps the LLaMA normaliser / Metaspace pre-tokenizer onto SentencePiece's normaliser settings. */
    private static Normalizer readNormalizer(String source, JsonNode root) throws TokenizerFormatException {
        boolean prepend = false;
        boolean replace = false;
        JsonNode normalizer = root.path("normalizer");
        List<JsonNode> steps = new ArrayList<>();
        if (normalizer.path("type").asText("").equals("Sequence")) normalizer.path("normalizers").forEach(steps::add);
        else if (!normalizer.isNull() && !normalizer.isMissingNode()) steps.add(normalizer);
        for (JsonNode step : steps) {
            String type = step.path("type").asText("");
            if (type.equals("Prepend") && step.path("prepend").asText().equals("\u2581")) {
                prepend = true;
            } else if (type.equals("Replace") && step.path("pattern").path("String").asText().equals(" ")
                    && step.path("content").asText().equals("\u2581")) {
                replace = true;
            } else {
                throw new TokenizerFormatException(source + ": normalizer step " + step
                        + " is not supported (only Prepend \"▁\" and Replace \" \" → \"▁\")");
            }
        }
        JsonNode pre = root.path("pre_tokenizer");
        if (!pre.isNull() && !pre.isMissingNode()) {
            boolean metaspace = pre.path("type").asText("").equals("Metaspace")
                    && pre.path("replacement").asText().equals("\u2581") && !pre.path("split").asBoolean(true)
                    && (pre.path("prepend_scheme").asText("always").equals("always"));
            if (!metaspace) {
                throw new TokenizerFormatException(source + ": pre_tokenizer " + pre + " is not supported (only null, "
                        + "or Metaspace with replacement \"▁\", split false, prepend_scheme \"always\")");
            }
            prepend = true;
            replace = true;
        }
        if (prepend != replace) {
            throw new TokenizerFormatException(source + ": normalizer has " + (prepend ? "Prepend without Replace"
                    : "Replace without Prepend") + "; only both (LLaMA) or neither is supported");
        }
        return new Normalizer(prepend, false, replace);
    }

    private static int idOf(Map<String, Integer> vocab, List<AddedToken> added, String content) {
        for (AddedToken token : added) {
            if (token.content().equals(content)) return token.id();
        }
        return vocab.getOrDefault(content, -1);
    }

    private static void require(String source, String field, String actual, String expected)
            throws TokenizerFormatException {
        if (!actual.equals(expected)) {
            throw new TokenizerFormatException(source + ": " + field + " is \"" + actual + "\"; only \"" + expected
                    + "\" is supported");
        }
    }
}
