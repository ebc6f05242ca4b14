package org.visualchat.vision.encoder;

import org.junit.jupiter.api.Test;
import org.visualchat.autograd.Reductions;
import org.visualchat.autograd.Variable;
import org.visualchat.nn.Activation;
import org.visualchat.tensor.Tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class QwenVisionEncoderTest {
    private static final double TOL = 2e-4;

    private static void checkAgainstNaive(QwenVisionConfig c, int batch, int h, int w) {
        QwenVisionEncoder enc = new QwenVisionEncoder(c, 9);
        EncoderFixtures.randomise(enc, 21);
        EncoderFixtures.checkAgainstNaive(enc, batch, h, w, (p, img) -> NaiveVit.qwen(p, c, img), TOL);
    }

    @Test
    void matchesNaiveReferenceWithInterpolatedPositions() {
        checkAgainstNaive(EncoderFixtures.tinyQwen(), 2, 20, 20);      // 5×5 patches from a 3×3 table, keys 2×2 → 5×5
    }

    @Test
    void matchesNaiveReferenceAtThePositionGridSize() {
        checkAgainstNaive(EncoderFixtures.tinyQwen(), 1, 12, 12);      // 3×3: positional table used as is
    }

    @Test
    void nonSquareGridAndOddShapes() {
        checkAgainstNaive(EncoderFixtures.tinyQwen(), 1, 8, 20);
        // width == output: QWen drops kv_proj (nn.Identity); odd head dims, 3×3 queries.
        checkAgainstNaive(new QwenVisionConfig(21, 3, 12, 1, 2, 14, 12, 3, 3, 4), 2, 21, 21);
    }

    @Test
    void parameterNamesFollowTheExtractedCheckpoint() {
        QwenVisionEncoder enc = new QwenVisionEncoder(EncoderFixtures.tinyQwen(), 1);
        var names = enc.namedParameters().keySet();
        for (String n : new String[] {"conv1.weight", "positional_embedding", "ln_pre.weight", "ln_pre.bias",
                "transformer.resblocks.1.ln_1.weight", "transformer.resblocks.1.attn.in_proj.weight", "transformer.resblocks.1.attn.in_proj.bias",
                "transformer.resblocks.1.attn.out_proj.weight", "transformer.resblocks.0.mlp.c_fc.weight", "transformer.resblocks.0.mlp.c_proj.bias",
                "transformer.resblocks.0.ln_2.bias", "attn_pool.query", "attn_pool.pos_embed", "attn_pool.kv_proj.weight",
                "attn_pool.attn.in_proj_weight", "attn_pool.attn.in_proj_bias", "attn_pool.attn.out_proj.weight", "attn_pool.attn.out_proj.bias",
                "attn_pool.ln_q.weight", "attn_pool.ln_kv.bias", "ln_post.weight", "ln_post.bias"}) {
            assertTrue(names.contains(n), n);
        }
        assertFalse(names.contains("attn_pool.kv_proj.bias"));
        assertFalse(names.contains("proj"));
        // conv1, positional_embedding, ln_pre (2), 2 blocks × 12, attn_pool 11, ln_post (2)
        assertEquals(1 + 1 + 2 + 2 * 12 + 11 + 2, names.size(), "parameter count");
    }

    @Test
    void bigGShapeAndProjectionConfig() {
        QwenVisionConfig c = QwenVisionConfig.bigG448();
        assertEquals(256, c.queries());
        assertEquals(4096, c.outputDim());
        assertEquals(32, c.poolHeads());
        assertEquals(48, c.layers());
        QwenVisionEncoder enc = new QwenVisionEncoder(c.withLayers(0), 1);
        assertEquals(256, enc.tokens());
        assertEquals(4096, enc.outputDim());
        assertEquals(448, enc.preprocessor().cropSize());
        ClipVisionConfig vis = enc.projectionConfig();
        assertEquals(4096, vis.hiddenSize());
        assertEquals(16, vis.heads());
        assertEquals(8192, vis.intermediateSize());
        assertEquals(Activation.GELU, vis.hiddenAct());
        // The resampler's pos_embed is a buffer in QWen (requires_grad=False): trainable leaves it frozen.
        enc.setTrainable(true);
        assertFalse(enc.namedParameters().get("attn_pool.pos_embed").requiresGrad());
        assertTrue(enc.namedParameters().get("attn_pool.query").requiresGrad());
    }

    @Test
    void defaultPosEmbedIsTheMaeSinCosTable() {
        QwenVisionEncoder enc = new QwenVisionEncoder(EncoderFixtures.tinyQwen(), 1);
        Tensor t = enc.namedParameters().get("attn_pool.pos_embed").value();
        assertArrayEquals(SinCos2d.table(16, 2).toFloatArray(), t.toFloatArray());
    }

    @Test
    void trainableGradientsReachEveryTrainedParameter() {
        QwenVisionEncoder enc = new QwenVisionEncoder(EncoderFixtures.tinyQwen(), 1);
        enc.setTrainable(true);
        Variable out = enc.encode(EncoderFixtures.pixels(1, 2, 20, 20));
        Reductions.sum(out).backward();
        enc.namedParameters().forEach((n, p) -> {
            if (n.equals("attn_pool.pos_embed")) assertNull(p.grad(), n);
            else assertTrue(p.grad() != null, n + " got no gradient");
        });
    }
}
