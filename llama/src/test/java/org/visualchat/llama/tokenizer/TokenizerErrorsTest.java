package org.visualchat.llama.tokenizer;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.visualchat.llama.tokenizer.proto.SentencePieceModel.ModelProto;
import org.visualchat.llama.tokenizer.proto.SentencePieceModel.TrainerSpec;

/** Bad or unsupported tokenizer files give one clear message naming the file and the field. */
class TokenizerErrorsTest {
    @TempDir
    Path dir;

    private void assertRejected(Path file, String... fragments) {
        TokenizerFormatException e = assertThrows(TokenizerFormatException.class, () -> LlamaTokenizer.load(file));
        for (String fragment : fragments) {
            assertTrue(e.getMessage().contains(fragment), e.getMessage() + " should mention " + fragment);
        }
    }

    private Path write(String name, byte[] bytes) throws IOException {
        return Files.write(dir.resolve(name), bytes);
    }

    private ModelProto tiny() throws IOException {
        return ModelProto.parseFrom(Files.readAllBytes(Goldens.committedModel("tiny-llama-bpe")));
    }

    @Test
    void truncatedOrGarbageModel() throws IOException {
        byte[] model = tiny().toByteArray();
        assertRejected(write("cut.model", Arrays.copyOf(model, model.length / 2)), "cut.model", "protobuf");
        assertRejected(write("empty.model", new byte[0]), "empty.model", "no pieces");
        assertRejected(dir.resolve("missing.model"), "missing.model", "no such");
    }

    @Test
    void unsupportedModelFeatures() throws IOException {
        ModelProto unigram = tiny().toBuilder().setTrainerSpec(tiny().getTrainerSpec().toBuilder()
                .setModelType(TrainerSpec.ModelType.UNIGRAM)).build();
        assertRejected(write("u.model", unigram.toByteArray()), "u.model", "model_type", "UNIGRAM");
        ModelProto nfkc = tiny().toBuilder().setNormalizerSpec(tiny().getNormalizerSpec().toBuilder()
                .setName("nmt_nfkc").setPrecompiledCharsmap(ByteString.copyFrom(new byte[8]))).build();
        assertRejected(write("n.model", nfkc.toByteArray()), "n.model", "nmt_nfkc", "precompiled_charsmap");
        ModelProto noUnk = tiny().toBuilder().setPieces(0, tiny().getPieces(0).toBuilder()
                .setType(ModelProto.SentencePiece.Type.NORMAL).setPiece("x<unk>")).build();
        assertRejected(write("k.model", noUnk.toByteArray()), "k.model", "UNKNOWN");
        ModelProto duplicate = tiny().toBuilder().setPieces(500, tiny().getPieces(400)).build();
        assertRejected(write("d.model", duplicate.toByteArray()), "d.model", "appears twice");
    }

    @Test
    void badTokenizerJson() throws IOException {
        assertRejected(write("a.json", "{not json".getBytes()), "a.json", "not valid JSON");
        assertRejected(write("b.json", "{\"model\": {\"type\": \"Unigram\"}}".getBytes()), "b.json", "model.type",
                "Unigram");
        assertRejected(write("c.json", "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0, \"b\": 5}, \"merges\": []}}"
                .getBytes()), "c.json", "model.vocab[\"b\"]");
        assertRejected(write("d.json", ("{\"model\": {\"type\": \"BPE\", \"unk_token\": \"<unk>\", \"vocab\": "
                + "{\"<unk>\": 0, \"a\": 1}, \"merges\": [\"a b\"]}}").getBytes()), "d.json", "model.merges[0]");
        assertRejected(write("e.json", ("{\"model\": {\"type\": \"BPE\", \"unk_token\": \"<unk>\", \"vocab\": "
                + "{\"<unk>\": 0}, \"merges\": []}, \"pre_tokenizer\": {\"type\": \"ByteLevel\"}}").getBytes()),
                "e.json", "pre_tokenizer");
    }

    @Test
    void badIdsInDecode() throws IOException {
        LlamaTokenizer tokenizer = LlamaTokenizer.load(Goldens.committedModel("tiny-llama-bpe"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> tokenizer.decode(new int[] {5, 1000}));
        assertTrue(e.getMessage().contains("1000"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> tokenizer.decode(new int[] {-1}));
    }
}
