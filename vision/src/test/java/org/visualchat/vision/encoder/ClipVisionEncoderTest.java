package org.visualchat.vision.encoder;

import org.junit.jupiter.api.Test;
import org.visualchat.autograd.Variable;
import org.visualchat.nn.Activation;
import org.visualchat.tensor.Tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ClipVisionEncoderTest {
    private static final double TOL = 2e-4;

    private static void checkAgainstNaive(ClipVisionConfig c, int batch, int h, int w) {
        ClipVisionEncoder enc = new ClipVisionEncoder(c, 7);
        EncoderFixtures.randomise(enc, 11);
        EncoderFixtures.checkAgainstNaive(enc, batch, h, w, (p, img) -> NaiveVit.clip(p, c, img), TOL);
    }

    @Test
    void matchesNaiveReferenceAtNativeResolutionWithQuickGelu() {
        checkAgainstNaive(EncoderFixtures.tinyClip(Activation.QUICK_GELU), 2, 12, 12);
    }

    @Test
    void matchesNaiveReferenceWithExactGelu() {
        checkAgainstNaive(EncoderFixtures.tinyClip(Activation.GELU), 1, 12, 12);
    }

    @Test
    void interpolatesPositionsForNonSquareAndLargerGrids() {
        ClipVisionConfig c = EncoderFixtures.tinyClip(Activation.QUICK_GELU);
        checkAgainstNaive(c, 2, 8, 20);     // 2×5 grid from a 3×3 table
        checkAgainstNaive(c, 1, 28, 20);    // 7×5
    }

    @Test
    void oddPatchSizeAndSingleLayer() {
        checkAgainstNaive(new ClipVisionConfig(8, 12, 1, 2, 15, 5, 3, Activation.QUICK_GELU, 1e-5f), 3, 15, 15);
    }

    @Test
    void frozenByDefaultRecordsNoGraph() {
        ClipVisionEncoder enc = new ClipVisionEncoder(EncoderFixtures.tinyClip(Activation.QUICK_GELU), 1);
        assertFalse(enc.isTrainable());
        assertEquals(0, enc.module().trainableParameters().size());
        Variable out = enc.encode(EncoderFixtures.pixels(1, 1, 12, 12));
        assertFalse(out.requiresGrad());
        enc.setTrainable(true);
        assertTrue(enc.isTrainable());
        assertEquals(enc.namedParameters().size(), enc.module().trainableParameters().size());
        assertTrue(enc.encode(EncoderFixtures.pixels(1, 1, 12, 12)).requiresGrad());
    }

    @Test
    void describesItself() {
        ClipVisionEncoder enc = new ClipVisionEncoder(EncoderFixtures.tinyClip(Activation.QUICK_GELU), 1);
        assertEquals(10, enc.tokens());
        assertEquals(12, enc.outputDim());
        assertEquals(12, enc.preprocessor().cropSize());
        assertEquals(enc.config(), enc.projectionConfig());
        assertTrue(enc.namedParameters().containsKey("vision_model.pre_layrnorm.weight"));
        assertTrue(enc.namedParameters().containsKey("vision_model.encoder.layers.1.self_attn.out_proj.bias"));
        assertTrue(enc.namedParameters().containsKey("vision_model.embeddings.position_embedding.weight"));
        assertEquals(ClipVisionConfig.vitLarge14().tokens(), 257);
    }

    @Test
    void pooledOutputIsPostLayerNormOfTheClsToken() {
        ClipVisionConfig c = EncoderFixtures.tinyClip(Activation.QUICK_GELU);
        ClipVisionEncoder enc = new ClipVisionEncoder(c, 2);
        EncoderFixtures.randomise(enc, 5);
        Variable last = enc.encode(EncoderFixtures.pixels(2, 2, 12, 12));
        Variable pooled = enc.pooledOutput(last);
        double[][] cls = {new double[c.hiddenSize()]};
        for (int j = 0; j < c.hiddenSize(); j++) cls[0][j] = last.value().get(1, 0, j);
        var p = enc.namedParameters();
        double[][] expected = NaiveVit.layerNorm(cls, NaiveVit.w(p, "vision_model.post_layernorm.weight"), NaiveVit.w(p, "vision_model.post_layernorm.bias"), 1e-5);
        for (int j = 0; j < c.hiddenSize(); j++) assertEquals(expected[0][j], pooled.value().get(1, j), 1e-4);
    }

    @Test
    void rejectsBadPixels() {
        ClipVisionEncoder enc = new ClipVisionEncoder(EncoderFixtures.tinyClip(Activation.QUICK_GELU), 1);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> enc.encode(Tensor.zeros(1, 1, 12, 12))).getMessage().contains("[B, 3, H, W]"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> enc.encode(Tensor.zeros(1, 3, 13, 12))).getMessage().contains("multiples of the patch size 4"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> enc.encode(Tensor.zeros(3, 12, 12))).getMessage().contains("[B, 3, H, W]"));
    }

    @Test
    void trainableGradientsReachParameters() {
        ClipVisionEncoder enc = new ClipVisionEncoder(EncoderFixtures.tinyClip(Activation.QUICK_GELU), 1);
        enc.setTrainable(true);
        Variable out = enc.encode(EncoderFixtures.pixels(1, 2, 12, 12));
        org.visualchat.autograd.Reductions.sum(out).backward();
        // post_layernorm is not on the last_hidden_state path, every other parameter is.
        enc.namedParameters().forEach((n, p) -> {
            if (n.contains("post_layernorm")) assertNull(p.grad(), n);
            else assertTrue(p.grad() != null, n + " got no gradient");
        });
    }
}
