package org.visualchat.tensor.ops;

import org.junit.jupiter.api.Test;
import org.visualchat.tensor.DType;
import org.visualchat.tensor.Tensor;

import static org.junit.jupiter.api.Assertions.*;
import static org.visualchat.tensor.ops.OpsTesting.*;

class NormTest {
    private static double[] reference(double[] x, double[] w, double[] b, int n, double eps, boolean rms) {
        double[] out = new double[x.length];
        for (int r = 0; r < x.length / n; r++) {
            double mean = 0, var = 0;
            if (!rms) {
                for (int i = 0; i < n; i++) mean += x[r * n + i];
                mean /= n;
            }
            for (int i = 0; i < n; i++) var += (x[r * n + i] - mean) * (x[r * n + i] - mean);
            double scale = 1 / Math.sqrt(var / n + eps);
            for (int i = 0; i < n; i++) {
                out[r * n + i] = (x[r * n + i] - mean) * scale * (w == null ? 1 : w[i]) + (b == null ? 0 : b[i]);
            }
        }
        return out;
    }

    @Test
    void layerNormAndRmsNormOnEveryLayout() {
        for (int n : AWKWARD) {
            Tensor x0 = Elementwise.add(randn(n, 5, n), 3f);      // an offset mean tests the two-pass variance
            Tensor w = randn(n + 1, n), b = randn(n + 2, n);
            double[] wv = values(w), bv = values(b);
            for (Case c : layouts(x0)) {
                double[] x = values(c.tensor());
                String what = c + " n=" + n;
                assertClose(reference(x, wv, bv, n, 1e-5, false), x0.shape(), Norm.layerNorm(c.tensor(), w, b, 1e-5f), 2e-5, 2e-5, "layerNorm " + what);
                assertClose(reference(x, null, null, n, 1e-5, false), x0.shape(), Norm.layerNorm(c.tensor(), null, null, 1e-5f), 2e-5, 2e-5, "layerNorm no affine " + what);
                assertClose(reference(x, wv, null, n, 1e-6, true), x0.shape(), Norm.rmsNorm(c.tensor(), w, 1e-6f), 2e-6, 1e-6, "rmsNorm " + what);
            }
        }
    }

    @Test
    void weightsMayBeHalfPrecisionOrStrided() {
        Tensor x = randn(1, 4, 33);
        Tensor w = randn(2, 33).to(DType.BF16), b = OpsTesting.strided(randn(3, 33));
        double[] expect = reference(values(x), values(w), values(b), 33, 1e-5, false);
        assertClose(expect, x.shape(), Norm.layerNorm(x, w, b, 1e-5f), 2e-5, 2e-5, "layerNorm bf16 weight");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Norm.rmsNorm(x, Tensor.zeros(32), 1e-5f));
        assertTrue(e.getMessage().contains("[33]"), e.getMessage());
    }

    /** dx of RMSNorm in double: dx = r·(ĝ − x̂·⟨ĝ·x̂⟩), r = 1/√(⟨x²⟩ + eps), x̂ = x·r, ĝ = dy·w. */
    private static double[] rmsBackwardReference(double[] x, double[] w, double[] dy, int n, double eps) {
        double[] out = new double[x.length];
        for (int row = 0; row < x.length / n; row++) {
            double ss = 0, dot = 0;
            for (int i = 0; i < n; i++) ss += x[row * n + i] * x[row * n + i];
            double r = 1 / Math.sqrt(ss / n + eps);
            for (int i = 0; i < n; i++) dot += dy[row * n + i] * (w == null ? 1 : w[i]) * x[row * n + i] * r;
            dot /= n;
            for (int i = 0; i < n; i++) {
                out[row * n + i] = r * (dy[row * n + i] * (w == null ? 1 : w[i]) - x[row * n + i] * r * dot);
            }
        }
        return out;
    }

    @Test
    void rmsNormBackwardMatchesTheFormulaOnEveryLayout() {
        for (int n : AWKWARD) {
            Tensor x0 = randn(n + 3, 5, n), dy = randn(n + 4, 5, n), w = randn(n + 5, n);
            double[] wv = values(w), dyv = values(dy);
            for (Case c : layouts(x0)) {
                double[] x = values(c.tensor());
                assertClose(rmsBackwardReference(x, wv, dyv, n, 1e-6), x0.shape(), Norm.rmsNormBackward(c.tensor(), w, dy, 1e-6f), 2e-5, 2e-5, "rmsNormBackward " + c + " n=" + n);
                assertClose(rmsBackwardReference(x, null, dyv, n, 1e-6), x0.shape(), Norm.rmsNormBackward(c.tensor(), null, dy, 1e-6f), 2e-5, 2e-5, "rmsNormBackward no weight " + c + " n=" + n);
            }
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Norm.rmsNormBackward(randn(1, 2, 3), null, randn(2, 3, 2), 1e-6f));
        assertTrue(e.getMessage().contains("[3, 2]"), e.getMessage());
    }
}
