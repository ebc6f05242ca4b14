package org.visualchat.llama.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.visualchat.llama.tokenizer.proto.SentencePieceModel.ModelProto;
import org.visualchat.tensor.io.GgufType;
import org.visualchat.tensor.io.GgufValue;
import org.visualchat.tensor.io.GgufWriter;

/**
 * The tokenizer embedded in GGUF metadata equals the {@code tokenizer.model} it was converted from, token for
 * token: the test converts each model the way llama.cpp's {@code convert_hf_to_gguf.py} does (pieces, scores,
 * SentencePiece types, special ids, normaliser flags) and compares both tokenizers on the golden texts.
 */
class GgufTokenizerTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"tiny-llama-bpe", "tiny-features-bpe", "llama2"})
    void equalsTheModelFileItWasConvertedFrom(String name) throws IOException {
        Path modelFile = Goldens.model(name);
        LlamaTokenizer expected = LlamaTokenizer.load(modelFile);
        // In a folder of its own, as llama.cpp models come: the directory form finds the file.
        Path folder = Files.createDirectories(dir.resolve(name));
        writeGguf(ModelProto.parseFrom(Files.readAllBytes(modelFile)), folder.resolve(name + ".gguf"));
        LlamaTokenizer fromGguf = LlamaTokenizer.load(folder);
        assertEquals(expected.vocabSize(), fromGguf.vocabSize());
        assertEquals(expected.bosId(), fromGguf.bosId());
        assertEquals(expected.eosId(), fromGguf.eosId());
        assertEquals(expected.padId(), fromGguf.padId());
        List<Goldens.Case> cases = Goldens.encodeCases(name);
        // Plain SentencePiece against spm's goldens, HF-style encode (BOS/EOS, special-token splitting) against
        // the model-file tokenizer, on every golden text; then decode of every golden id sequence (byte pieces,
        // <unk>, control ids among them).
        Goldens.assertAllMatch(name + " gguf encode", cases, c -> fromGguf.encodeOrdinary(c.text()));
        for (Goldens.Case c : cases) {
            assertArrayEquals(expected.encode(c.text(), true, true), fromGguf.encode(c.text(), true, true), c.text());
        }
        for (Goldens.Case c : Goldens.decodeCases(name)) {
            assertEquals(expected.decode(c.ids()), fromGguf.decode(c.ids()), java.util.Arrays.toString(c.ids()));
        }
        // Our own writer (what model files embed) gives the converter's tokenizer entries, so it reads back equal.
        Map<String, GgufValue> ours = new HashMap<>(converterMetadata(ModelProto.parseFrom(Files.readAllBytes(modelFile))));
        ours.keySet().removeAll(List.of("general.architecture", "tokenizer.ggml.add_bos_token", "tokenizer.ggml.add_eos_token"));
        assertEquals(ours, expected.ggufMetadata());
    }

    @Test
    void rejectsMissingOrInconsistentTokenizerMetadata() throws IOException {
        ModelProto tiny = ModelProto.parseFrom(Files.readAllBytes(Goldens.committedModel("tiny-llama-bpe")));
        Path none = dir.resolve("none.gguf");
        new GgufWriter().put("general.architecture", GgufValue.string("llama")).write(none);
        assertRejected(none, "none.gguf", "tokenizer.ggml.model");

        GgufWriter bpe = converted(tiny).put("tokenizer.ggml.model", GgufValue.string("gpt2"));
        assertRejected(write(bpe, "gpt2.gguf"), "gpt2.gguf", "tokenizer.ggml.model", "gpt2");

        GgufWriter shortScores = converted(tiny).put("tokenizer.ggml.scores",
                GgufValue.array(GgufType.FLOAT32, List.of(0f, 1f)));
        assertRejected(write(shortScores, "scores.gguf"), "scores.gguf", "tokenizer.ggml.scores", "2 entries");

        List<Long> types = new ArrayList<>(types(tiny));
        types.set(7, 9L);
        GgufWriter badType = converted(tiny).put("tokenizer.ggml.token_type", GgufValue.array(GgufType.INT32, types));
        assertRejected(write(badType, "type.gguf"), "type.gguf", "token_type[7] = 9");

        GgufWriter badBos = converted(tiny).put("tokenizer.ggml.bos_token_id", GgufValue.u32(1_000_000));
        assertRejected(write(badBos, "bos.gguf"), "bos.gguf", "tokenizer.ggml.bos_token_id = 1000000");

        GgufWriter badUnk = converted(tiny).put("tokenizer.ggml.unknown_token_id", GgufValue.u32(5));
        assertRejected(write(badUnk, "unk.gguf"), "unk.gguf", "unknown_token_id = 5", "UNKNOWN is 0");
    }

    private void assertRejected(Path file, String... fragments) {
        TokenizerFormatException e = assertThrows(TokenizerFormatException.class, () -> LlamaTokenizer.load(file));
        for (String fragment : fragments) {
            assertTrue(e.getMessage().contains(fragment), e.getMessage() + " should mention " + fragment);
        }
    }

    private Path write(GgufWriter writer, String name) throws IOException {
        Path file = dir.resolve(name);
        writer.write(file);
        return file;
    }

    private static Path writeGguf(ModelProto model, Path file) throws IOException {
        converted(model).write(file);
        return file;
    }

    private static GgufWriter converted(ModelProto model) {
        GgufWriter writer = new GgufWriter();
        converterMetadata(model).forEach(writer::put);
        return writer;
    }

    /** What llama.cpp's converter writes for a SentencePiece model (special ids only when defined). */
    private static Map<String, GgufValue> converterMetadata(ModelProto model) {
        List<String> tokens = new ArrayList<>();
        List<Float> scores = new ArrayList<>();
        for (ModelProto.SentencePiece piece : model.getPiecesList()) {
            tokens.add(piece.getPiece());
            scores.add(piece.getScore());
        }
        Map<String, GgufValue> meta = new LinkedHashMap<>();
        meta.put("general.architecture", GgufValue.string("llama"));
        meta.put("tokenizer.ggml.model", GgufValue.string("llama"));
        meta.put("tokenizer.ggml.tokens", GgufValue.array(GgufType.STRING, tokens));
        meta.put("tokenizer.ggml.scores", GgufValue.array(GgufType.FLOAT32, scores));
        meta.put("tokenizer.ggml.token_type", GgufValue.array(GgufType.INT32, types(model)));
        meta.put("tokenizer.ggml.add_space_prefix", GgufValue.bool(model.getNormalizerSpec().getAddDummyPrefix()));
        meta.put("tokenizer.ggml.remove_extra_whitespaces",
                GgufValue.bool(model.getNormalizerSpec().getRemoveExtraWhitespaces()));
        meta.put("tokenizer.ggml.add_bos_token", GgufValue.bool(true));
        meta.put("tokenizer.ggml.add_eos_token", GgufValue.bool(false));
        int[] ids = {model.getTrainerSpec().getUnkId(), model.getTrainerSpec().getBosId(),
                model.getTrainerSpec().getEosId(), model.getTrainerSpec().getPadId()};
        String[] keys = {"unknown_token_id", "bos_token_id", "eos_token_id", "padding_token_id"};
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] >= 0) meta.put("tokenizer.ggml." + keys[i], GgufValue.u32(ids[i]));
        }
        return meta;
    }

    private static List<Long> types(ModelProto model) {
        return model.getPiecesList().stream().map(p -> (long) p.getType().getNumber()).toList();
    }
}
