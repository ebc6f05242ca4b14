package org.visualchat.vision.encoder;

import org.visualchat.autograd.Variable;
import org.visualchat.nn.Activation;
import org.visualchat.nn.Module;
import org.visualchat.tensor.Tensor;
import org.visualchat.tensor.ops.Elementwise;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Tiny configurations, randomised weights and comparison helpers for the encoder tests. */
final class EncoderFixtures {
    private EncoderFixtures() {}

    /** Hidden 12 in 3 heads, 2 layers, patch 4 at 12 px: a 3×3 grid, 10 tokens. */
    static ClipVisionConfig tinyClip(Activation act) {
        return new ClipVisionConfig(12, 20, 2, 3, 12, 4, 3, act, 1e-5f);
    }

    /** Width 12 (3 heads of 4), 2 blocks, MLP 20, output 16 in 2 heads from a 2×2 query grid, 3×3 position grid, patch 4 at 20 px (5×5). */
    static QwenVisionConfig tinyQwen() {
        return new QwenVisionConfig(20, 4, 12, 2, 3, 20, 16, 2, 2, 3);
    }

    /**
     * Replaces every parameter by N(mean, std) values (LayerNorm gains around 1), so that no part of
     * the model is an identity or zero at init and every weight matters to the output.
     */
    static void randomise(Module m, long seed) {
        long s = seed;
        for (Map.Entry<String, Variable> e : m.namedParameters().entrySet()) {
            Variable p = e.getValue();
            boolean gain = e.getKey().endsWith(".weight") && p.rank() == 1;      // LayerNorm gains
            Tensor noise = Tensor.randn(s++, gain ? 0.2f : 0.3f, p.shape());
            if (gain) noise = Elementwise.add(noise, 1f);
            p.setValue(noise);
        }
    }

    static Tensor pixels(long seed, int b, int h, int w) {
        return Tensor.randn(seed, 1f, b, 3, h, w);
    }

    /** A naive forward of one image [C][H][W] with the encoder's parameters → [tokens][width]. */
    interface NaiveForward {
        double[][] apply(Map<String, Variable> params, double[][][] image);
    }

    /** Encodes a random batch [batch, 3, h, w] and compares each image with the naive forward. */
    static void checkAgainstNaive(VisionEncoder enc, int batch, int h, int w, NaiveForward naive, double tol) {
        Tensor px = pixels(4, batch, h, w);
        Variable out = enc.encode(px);
        assertArrayEquals(new int[] {batch, out.dim(1), enc.outputDim()}, out.shape());
        float[] flat = px.toFloatArray();
        for (int b = 0; b < batch; b++) {
            double[][] expected = naive.apply(enc.module().namedParameters(), NaiveVit.image(flat, b, 3, h, w));
            assertClose(expected, out, b, tol, enc.getClass().getSimpleName() + " " + h + "×" + w + " image " + b);
        }
    }

    /** Asserts actual [B, S, D] equals expected[b] [S][D] to |Δ| ≤ tol·(1 + |expected|). */
    static void assertClose(double[][] expected, Variable actual, int batch, double tol, String what) {
        Tensor t = actual.value();
        assertEquals(expected.length, t.dim(1), what + ": tokens");
        assertEquals(expected[0].length, t.dim(2), what + ": width");
        double worst = 0;
        for (int i = 0; i < expected.length; i++)
            for (int j = 0; j < expected[0].length; j++) {
                double err = Math.abs(t.get(batch, i, j) - expected[i][j]) / (1 + Math.abs(expected[i][j]));
                worst = Math.max(worst, err);
            }
        assertTrue(worst <= tol, what + ": worst relative error " + worst + " > " + tol);
    }
}
