package org.visualchat.llama.load;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.visualchat.llama.model.LlamaConfig;
import static org.visualchat.llama.model.Compare.relativeError;
import org.visualchat.llama.model.LlamaModel;
import org.visualchat.llama.model.RandomWeights;
import org.visualchat.tensor.DType;
import org.visualchat.tensor.Tensor;
import org.visualchat.tensor.ops.Rope;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LlamaLoaderTest {
    static final LlamaConfig CONFIG = LlamaConfig.of(64, 96, 2, 4, 2, 67);

    @TempDir
    Path dir;

    static Map<String, Tensor> weights(LlamaModel model) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        model.namedParameters().forEach((n, p) -> out.put(n, p.value()));
        return out;
    }

    /**
     * Every weight is a read-only view of the file mapping (never a copy on the heap or in an arena, issue 4's
     * memory rule), matrices in their stored dtype.
     */
    static void assertAllMapped(LlamaModel model, DType matrixType) {
        model.namedParameters().forEach((name, p) -> {
            Tensor t = p.value();
            assertTrue(t.storage().segment().isMapped() && t.storage().isReadOnly(), name + " is not a view of the mapped file");
            if (t.rank() == 2) assertEquals(matrixType, t.dtype(), name + " left its stored dtype");
        });
    }

    static Tensor logits(LlamaModel model) {
        Tensor embeds = Tensor.randn(42, 1f, 1, 6, model.config().hiddenSize());
        return model.infer(embeds, model.newCache(1, 6, DType.F32), null);
    }


    @Test
    void safetensorsRoundTripSingleAndSharded() throws IOException {
        for (DType type : new DType[] {DType.F32, DType.BF16, DType.F16}) {
            LlamaModel original = new LlamaModel(CONFIG, Rope.Layout.HALF, new RandomWeights(1, type));
            Tensor expected = logits(original);
            for (long shard : new long[] {Long.MAX_VALUE, 40_000}) {
                Path out = dir.resolve(type + "-" + shard);
                LlamaCheckpoints.writeHf(out, CONFIG, weights(original), shard);
                assertEquals(shard != Long.MAX_VALUE, Files.exists(out.resolve("model.safetensors.index.json")));
                List<String> progress = new ArrayList<>();
                try (LoadedModel loaded = LlamaLoader.load(out, progress::add)) {
                    assertAllMapped(loaded.model(), type);
                    assertEquals(0.0, relativeError(logits(loaded.model()), expected), type + " shard " + shard);
                    assertEquals(Rope.Layout.HALF, loaded.model().ropeLayout());
                    assertTrue(progress.getLast().startsWith("mapped 21 tensors"), progress.toString());
                }
            }
        }
    }

    @Test
    void ggufRoundTripInMetaOrderGivesTheSameModel() throws IOException {
        for (DType type : new DType[] {DType.F32, DType.BF16, DType.F16, DType.Q8_0, DType.Q4_0}) {
            LlamaModel hf = new LlamaModel(CONFIG, Rope.Layout.HALF, new RandomWeights(2, type));
            Path file = dir.resolve(type + ".gguf");
            LlamaCheckpoints.writeGguf(file, CONFIG, weights(LlamaModel.random(CONFIG, 2, DType.F32)), type);
            try (LoadedModel loaded = LlamaLoader.load(file, m -> {})) {
                assertEquals(Rope.Layout.INTERLEAVED, loaded.model().ropeLayout());
                assertEquals(CONFIG, loaded.model().config());
                assertAllMapped(loaded.model(), type);
                assertEquals(type, loaded.model().lmHead().weight().value().dtype());
                double err = relativeError(logits(loaded.model()), logits(hf));
                assertTrue(err < 1e-5, type + ": " + err);
            }
        }
    }

    @Test
    void tiedGgufHasNoOutputTensor() throws IOException {
        LlamaConfig tied = new LlamaConfig(32, 48, 1, 2, 1, 1e-5f, 10000f, 41, 64, true);
        LlamaModel hf = LlamaModel.random(tied, 3, DType.F32);
        Path file = dir.resolve("tied.gguf");
        LlamaCheckpoints.writeGguf(file, tied, weights(hf), DType.F32);
        try (LoadedModel loaded = LlamaLoader.load(file, m -> {})) {
            assertTrue(loaded.model().config().tieWordEmbeddings());
            assertTrue(relativeError(logits(loaded.model()), logits(hf)) < 1e-5);
        }
        Path hfDir = dir.resolve("tied-hf");
        LlamaCheckpoints.writeHf(hfDir, tied, weights(hf), Long.MAX_VALUE);
        try (LoadedModel loaded = LlamaLoader.load(hfDir, m -> {})) {
            assertEquals(0.0, relativeError(logits(loaded.model()), logits(hf)));
        }
    }

    private String loadError(Path path) {
        return assertThrows(ModelFormatException.class, () -> LlamaLoader.load(path, m -> {})).getMessage();
    }

    @Test
    void missingTensorNamesFileAndTensor() throws IOException {
        Map<String, Tensor> w = weights(LlamaModel.random(CONFIG, 4, DType.F32));
        w.remove("model.layers.1.mlp.up_proj.weight");
        LlamaCheckpoints.writeHf(dir, CONFIG, w, Long.MAX_VALUE);
        String message = loadError(dir);
        assertTrue(message.contains("model.safetensors") && message.contains("missing tensor model.layers.1.mlp.up_proj.weight"), message);
        Path gguf = dir.resolve("m.gguf");
        LlamaCheckpoints.writeGguf(gguf, CONFIG, w, DType.Q8_0);
        message = loadError(gguf);
        assertTrue(message.startsWith(gguf.toString()) && message.contains("missing tensor blk.1.ffn_up.weight (model.layers.1.mlp.up_proj.weight)"), message);
    }

    @Test
    void configThatDisagreesWithTheWeightsIsNamed() throws IOException {
        Map<String, Tensor> w = weights(LlamaModel.random(CONFIG, 5, DType.F32));
        LlamaCheckpoints.writeHf(dir, LlamaConfig.of(64, 96, 2, 4, 2, 68), w, Long.MAX_VALUE);
        String message = loadError(dir);
        assertTrue(message.contains("model.embed_tokens.weight has shape [67, 64] but the config (vocab_size 68, hidden_size 64) implies [68, 64]"), message);

        Path fewer = dir.resolve("fewer");
        LlamaCheckpoints.writeHf(fewer, CONFIG, w, Long.MAX_VALUE);
        Files.writeString(fewer.resolve("config.json"), Files.readString(fewer.resolve("config.json")).replace("\"num_hidden_layers\": 2", "\"num_hidden_layers\": 1"));
        message = loadError(fewer);
        assertTrue(message.contains("9 tensor(s) the config does not account for (num_hidden_layers 1") && message.contains("model.layers.1."), message);

        Path kv = dir.resolve("kv");
        LlamaCheckpoints.writeHf(kv, CONFIG, w, Long.MAX_VALUE);
        Files.writeString(kv.resolve("config.json"), Files.readString(kv.resolve("config.json")).replace("\"num_key_value_heads\": 2", "\"num_key_value_heads\": 4"));
        message = loadError(kv);
        assertTrue(message.contains("k_proj.weight has shape [32, 64] but the config (num_key_value_heads 4, num_attention_heads 4, hidden_size 64) implies [64, 64]"), message);
    }

    @Test
    void unsupportedDtypeAndBadConfigAreNamed() throws IOException {
        Map<String, Tensor> w = weights(LlamaModel.random(CONFIG, 6, DType.F32));
        w.put("model.norm.weight", Tensor.ofInts(new int[64], 64));
        LlamaCheckpoints.writeHf(dir, CONFIG, w, Long.MAX_VALUE);
        String message = loadError(dir);
        assertTrue(message.contains("model.norm.weight has dtype I32, which is not supported"), message);

        Files.writeString(dir.resolve("config.json"), Files.readString(dir.resolve("config.json")).replace("\"num_attention_heads\": 4", "\"num_attention_heads\": \"four\""));
        message = loadError(dir);
        assertTrue(message.contains("config.json") && message.contains("field num_attention_heads must be an integer, got \"four\""), message);

        Files.writeString(dir.resolve("config.json"), "{\"hidden_size\": 64}");
        message = loadError(dir);
        assertTrue(message.contains("config.json: missing field num_attention_heads"), message);
        Files.writeString(dir.resolve("config.json"), "{\"hidden_size\": 64,");
        message = loadError(dir);
        assertTrue(message.contains("config.json: not valid JSON"), message);

        Path empty = Files.createDirectory(dir.resolve("empty"));
        assertTrue(loadError(empty).contains("not a LLaMA checkpoint directory"));
        assertTrue(loadError(dir.resolve("nope.gguf")).contains("does not exist"));
        Path folder = Files.createDirectory(dir.resolve("model.gguf"));
        assertTrue(loadError(folder).contains("a directory, not a .gguf file, and not a LLaMA checkpoint directory"), loadError(folder));
    }

    @Test
    void ggufWithoutLlamaMetadataIsNamed() throws IOException {
        Path file = dir.resolve("bare.gguf");
        new org.visualchat.tensor.io.GgufWriter().addTensor("token_embd.weight", Tensor.zeros(5, 32)).write(file);
        String message = loadError(file);
        assertTrue(message.startsWith(file.toString()) && message.contains("missing GGUF key llama.attention.head_count"), message);
    }
}
