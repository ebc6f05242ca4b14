package org.visualchat.llama.load;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.visualchat.llama.model.LlamaConfig;
import static org.visualchat.llama.model.Compare.relativeError;
import org.visualchat.llama.model.LlamaModel;
import org.visualchat.llama.model.Weights;
import org.visualchat.tensor.DType;
import org.visualchat.tensor.Tensor;
import org.visualchat.tensor.io.TorchCheckpoint;
import org.visualchat.tensor.ops.Rope;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Meta consolidated.*.pth checkpoints (fixtures from src/test/python/make_meta_llama_fixture.py). */
class MetaCheckpointTest {
    static final LlamaConfig CONFIG = new LlamaConfig(32, 96, 2, 4, 2, 1e-5f, 10000f, 42, 4096, false);

    @TempDir
    Path tmp;

    static Path fixture(String name) throws URISyntaxException {
        return Path.of(MetaCheckpointTest.class.getResource("/meta/" + name + "/params.json").toURI()).getParent();
    }

    /**
     * The expected model, assembled without the loader: each shard read with TorchCheckpoint, the parts
     * joined by index arithmetic, q/k rows moved from Meta order (row 2i + c of a head) to HF order
     * (row c·hd/2 + i), then run with HF's rotate-half RoPE.
     */
    static LlamaModel expectedModel(Path dir) throws IOException {
        List<TorchCheckpoint> shards = new ArrayList<>();
        try (var files = Files.list(dir)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".pth")).sorted().toList()) shards.add(TorchCheckpoint.open(f));
        }
        Weights hf = (name, shape) -> {
            String meta = TensorNames.toMeta(name);
            float[] out = new float[Math.toIntExact(Tensor.zeros(shape).numel())];
            int cols = shape.length == 2 ? shape[1] : shape[0];
            int rowOffset = 0, colOffset = 0;
            for (TorchCheckpoint shard : shards) {
                Tensor part = shard.tensor(meta);
                if (part.rank() == 1) {
                    out = part.toFloatArray();
                    break;
                }
                int rows = part.dim(0), width = part.dim(1);
                for (int r = 0; r < rows; r++) for (int c = 0; c < width; c++) out[(rowOffset + r) * cols + colOffset + c] = part.get(r, c);
                if (rows == shape[0]) colOffset += width;
                else rowOffset += rows;
            }
            if (name.endsWith("q_proj.weight") || name.endsWith("k_proj.weight")) {
                int hd = CONFIG.headDim();
                float[] permuted = new float[out.length];
                for (int head = 0; head < shape[0] / hd; head++)
                    for (int i = 0; i < hd / 2; i++)
                        for (int c = 0; c < 2; c++)
                            System.arraycopy(out, (head * hd + 2 * i + c) * cols, permuted, (head * hd + c * hd / 2 + i) * cols, cols);
                out = permuted;
            }
            return Tensor.of(out, shape);
        };
        try {
            return new LlamaModel(CONFIG, Rope.Layout.HALF, hf);
        } finally {
            for (TorchCheckpoint s : shards) s.close();
        }
    }

    static Tensor logits(LlamaModel model) {
        return model.infer(Tensor.randn(8, 1f, 1, 5, 32), model.newCache(1, 5, DType.F32), null);
    }


    @Test
    void oneShardIsMappedAndMatchesTheHfLayoutModel() throws Exception {
        List<String> progress = new ArrayList<>();
        try (LoadedModel loaded = LlamaLoader.load(fixture("one"), progress::add)) {
            assertEquals(CONFIG, loaded.model().config(), "FFN 96 from dim 32 and multiple_of 16; vocab from tok_embeddings");
            assertEquals(Rope.Layout.INTERLEAVED, loaded.model().ropeLayout());
            Tensor wq = loaded.model().backbone().layer(0).attention().namedParameters().get("q_proj.weight").value();
            assertEquals(DType.BF16, wq.dtype());
            assertTrue(wq.storage().isReadOnly(), "a view of the mapped file");
            double err = relativeError(logits(loaded.model()), logits(expectedModel(fixture("one"))));
            assertTrue(err < 1e-5, "one shard: " + err);
            assertTrue(progress.getLast().startsWith("mapped 21 tensors"), progress.toString());
        }
    }

    @Test
    void twoShardsAreConcatenatedAlongMetasSplitDimensions() throws Exception {
        try (LoadedModel two = LlamaLoader.load(fixture("two"), m -> {}); LoadedModel one = LlamaLoader.load(fixture("one"), m -> {})) {
            assertEquals(DType.BF16, two.model().lmHead().weight().value().dtype(), "concatenated in the stored dtype");
            assertEquals(0.0, relativeError(logits(two.model()), logits(one.model())), "the same weights, split and joined");
            assertTrue(relativeError(logits(two.model()), logits(expectedModel(fixture("two")))) < 1e-5);
        }
    }

    @Test
    void paramsThatDisagreeWithTheWeightsAreNamed() throws Exception {
        for (Path f : List.of(fixture("two").resolve("consolidated.00.pth"), fixture("two").resolve("consolidated.01.pth"))) Files.copy(f, tmp.resolve(f.getFileName()));
        Files.writeString(tmp.resolve("params.json"), Files.readString(fixture("two").resolve("params.json")).replace("\"n_kv_heads\": 2", "\"n_kv_heads\": 4"));
        String message = assertThrows(ModelFormatException.class, () -> LlamaLoader.load(tmp, m -> {})).getMessage();
        assertTrue(message.contains("consolidated.00.pth") && message.contains("layers.0.attention.wk.weight (model.layers.0.self_attn.k_proj.weight) has shape [16, 32]")
                && message.contains("n_kv_heads 4"), message);
        Files.writeString(tmp.resolve("params.json"), "{\"dim\": 32}");
        message = assertThrows(ModelFormatException.class, () -> LlamaLoader.load(tmp, m -> {})).getMessage();
        assertTrue(message.contains("params.json: missing field n_heads"), message);
    }
}
