package org.visualchat.vision.encoder;

import org.junit.jupiter.api.Test;
import org.visualchat.autograd.Reductions;
import org.visualchat.autograd.Variable;
import org.visualchat.nn.Activation;
import org.visualchat.tensor.Tensor;
import org.visualchat.vision.image.ClipPreprocessor;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
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
    void describesItselfAndKeepsThePositionBufferFrozen() {
        QwenVisionEncoder enc = new QwenVisionEncoder(new QwenVisionConfig(20, 4, 12, 1, 3, 20, 24, 2, 2, 3), 1);
        assertEquals(4, enc.tokens());
        assertEquals(24, enc.outputDim());
        assertEquals(20, enc.preprocessor().cropSize());
        assertSame(ClipPreprocessor.QWEN_448, ModuleEncoder.preprocessorFor(448));
        // vis_config after `hidden_size = 4096`: the trunk's heads, MLP and activation at the output width.
        ClipVisionConfig vis = enc.projectionConfig();
        assertEquals(24, vis.hiddenSize());
        assertEquals(3, vis.heads());
        assertEquals(20, vis.intermediateSize());
        assertEquals(Activation.GELU, vis.hiddenAct());
        ClipVisionConfig bigVis = QwenVisionConfig.bigG448().clipConfig().withHiddenSize(4096);
        assertEquals(List.of(4096, 16, 8192), List.of(bigVis.hiddenSize(), bigVis.heads(), bigVis.intermediateSize()));
        // The resampler's pos_embed is a buffer in QWen (requires_grad=False): trainable leaves it frozen.
        enc.setTrainable(true);
        assertFalse(enc.namedParameters().get("attn_pool.pos_embed").requiresGrad());
        assertTrue(enc.namedParameters().get("attn_pool.query").requiresGrad());
        // An output width the trunk's heads do not divide has no such layer (HF's CLIPAttention refuses it too).
        QwenVisionEncoder odd = new QwenVisionEncoder(EncoderFixtures.tinyQwen(), 1);
        assertTrue(assertThrows(IllegalArgumentException.class, odd::projectionConfig).getMessage().contains("hidden_size 16 is not a multiple of num_attention_heads 3"));
    }

    @Test
    void referenceConstructionFromTheClipConfigHardCodesResolutionOutputAndQueries() {
        ClipVisionConfig clip = new ClipVisionConfig(8, 16, 1, 2, 224, 7, 3, Activation.GELU, 1e-5f);
        // modeling_dsvl.py: VisionTransformer(image_size=448, patch_size, width=hidden_size, layers, heads,
        // mlp_size=intermediate_size, output_dim=4096); Resampler(grid 16, heads 4096 // 128); 256 learned positions.
        assertEquals(new QwenVisionConfig(448, 7, 8, 1, 2, 16, 4096, 16, 32, 16), QwenVisionConfig.fromClip(clip));
        assertEquals(QwenVisionConfig.fromClip(ClipVisionConfig.vitBigG14()), QwenVisionConfig.bigG448());
        assertEquals(new QwenVisionConfig(448, 14, 1664, 48, 16, 8192, 4096, 16, 32, 16), QwenVisionConfig.bigG448());
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
