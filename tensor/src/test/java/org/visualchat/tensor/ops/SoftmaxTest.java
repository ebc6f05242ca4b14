package org.visualchat.tensor.ops;

import org.junit.jupiter.api.Test;
import org.visualchat.tensor.Shapes;
import org.visualchat.tensor.Tensor;

import static org.junit.jupiter.api.Assertions.*;
import static org.visualchat.tensor.ops.OpsTesting.*;

class SoftmaxTest {
    /** Row-wise (log-)softmax of x + mask in double; all −inf rows give 0 (−inf for log). */
    static double[] reference(double[] x, double[] mask, int n, boolean log) {
        double[] out = new double[x.length];
        for (int r = 0; r < x.length / n; r++) {
            double max = Double.NEGATIVE_INFINITY, sum = 0;
            for (int i = 0; i < n; i++) max = Math.max(max, x[r * n + i] + (mask == null ? 0 : mask[r * n + i]));
            for (int i = 0; i < n; i++) sum += Math.exp(x[r * n + i] + (mask == null ? 0 : mask[r * n + i]) - max);
            for (int i = 0; i < n; i++) {
                double t = x[r * n + i] + (mask == null ? 0 : mask[r * n + i]);
                out[r * n + i] = max == Double.NEGATIVE_INFINITY ? (log ? Double.NEGATIVE_INFINITY : 0)
                        : log ? t - max - Math.log(sum) : Math.exp(t - max) / sum;
            }
        }
        return out;
    }

    @Test
    void softmaxAndLogSoftmaxOnEveryLayout() {
        for (int n : AWKWARD) {
            Tensor x0 = Elementwise.mul(randn(n, 5, n), 4f);
            for (Case c : layouts(x0)) {
                double[] x = values(c.tensor());
                assertClose(reference(x, null, n, false), x0.shape(), Softmax.softmax(c.tensor()), 2e-6, 1e-9, "softmax " + c + " n=" + n);
                assertClose(reference(x, null, n, true), x0.shape(), Softmax.logSoftmax(c.tensor()), 1e-6, 2e-6, "logSoftmax " + c + " n=" + n);
            }
        }
    }

    @Test
    void causalMaskBroadcastOverBatchAndHeads() {
        int s = 33;
        float[] m = new float[s * s];
        for (int i = 0; i < s; i++) for (int j = 0; j < s; j++) m[i * s + j] = j <= i ? 0f : Float.NEGATIVE_INFINITY;
        Tensor mask = Tensor.of(m, s, s);
        Tensor scores0 = randn(9, 2, 3, s, s);
        int[] shape = scores0.shape();
        for (Case c : layouts(scores0)) {
            double[] expect = reference(values(c.tensor()), values(mask, shape), s, false);
            assertClose(expect, shape, Softmax.softmax(c.tensor(), mask), 2e-6, 1e-9, "masked softmax " + c);
            assertClose(expect, shape, Softmax.softmax(c.tensor(), mask.unsqueeze(0).unsqueeze(0).to(org.visualchat.tensor.DType.BF16)), 2e-6, 1e-9, "[1,1,S,S] bf16 mask " + c);
        }
    }

    @Test
    void fullyMaskedRowsGiveZeros() {
        Tensor x = randn(2, 3, 17);
        float[] m = new float[3 * 17];
        java.util.Arrays.fill(m, 17, 34, Float.NEGATIVE_INFINITY);     // row 1 fully masked
        m[40] = Float.NEGATIVE_INFINITY;                                  // row 2 partly
        Tensor mask = Tensor.of(m, 3, 17);
        Tensor p = Softmax.softmax(x, mask);
        for (int i = 0; i < 17; i++) assertEquals(0f, p.get(1, i));
        assertEquals(0f, p.get(2, 40 - 34));
        assertEquals(1.0, Reduce.sum(p.select(0, 2)).get(), 1e-6);
        assertEquals(Float.NEGATIVE_INFINITY, Softmax.logSoftmax(Tensor.full(Float.NEGATIVE_INFINITY, 2, 5)).get(1, 3));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Softmax.softmax(x, Tensor.zeros(4, 17)));
        assertTrue(e.getMessage().contains(Shapes.toString(new int[] {4, 17})), e.getMessage());
    }
}
