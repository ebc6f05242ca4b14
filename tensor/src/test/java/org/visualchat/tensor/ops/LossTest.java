package org.visualchat.tensor.ops;

import org.junit.jupiter.api.Test;
import org.visualchat.tensor.Tensor;

import static org.junit.jupiter.api.Assertions.*;
import static org.visualchat.tensor.ops.OpsTesting.*;

class LossTest {
    private static final int IGNORE = -100;

    @Test
    void crossEntropyAndItsGradientMatchTheDefinition() {
        for (int c : AWKWARD) {
            int n = 9;
            Tensor logits0 = Elementwise.mul(randn(c, n, c), 3f);
            long[] t = new long[n];
            for (int r = 0; r < n; r++) t[r] = r % 3 == 1 ? IGNORE : (r * 7L) % c;
            Tensor targets = Tensor.ofLongs(t, n);
            for (Case lc : layouts(logits0)) {
                double[] x = values(lc.tensor());
                double[] logp = SoftmaxTest.reference(x, null, c, true), p = SoftmaxTest.reference(x, null, c, false);
                double loss = 0;
                int kept = 0;
                for (int r = 0; r < n; r++) if (t[r] != IGNORE) { loss -= logp[r * c + (int) t[r]]; kept++; }
                loss /= kept;
                assertEquals(loss, Loss.crossEntropy(lc.tensor(), targets, IGNORE).get(), 1e-5 * Math.max(1, loss), "loss " + lc + " c=" + c);
                double[] grad = new double[n * c];
                for (int r = 0; r < n; r++) {
                    if (t[r] == IGNORE) continue;
                    for (int j = 0; j < c; j++) grad[r * c + j] = 0.5 * (p[r * c + j] - (j == t[r] ? 1 : 0)) / kept;
                }
                assertClose(grad, new int[] {n, c}, Loss.crossEntropyBackward(lc.tensor(), targets, IGNORE, 0.5f), 1e-5, 1e-8, "grad " + lc + " c=" + c);
            }
        }
    }

    @Test
    void allIgnoredGivesZeroLossAndZeroGradient() {
        Tensor logits = randn(1, 4, 7);
        Tensor targets = Tensor.ofInts(new int[] {IGNORE, IGNORE, IGNORE, IGNORE}, 4);
        assertEquals(0f, Loss.crossEntropy(logits, targets, IGNORE).get());
        assertEquals(0, Loss.crossEntropy(logits, targets, IGNORE).rank());
        for (float g : Loss.crossEntropyBackward(logits, targets, IGNORE, 1f).toFloatArray()) assertEquals(0f, g);
    }

    @Test
    void badTargetsAreNamed() {
        Tensor logits = Tensor.zeros(2, 5);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Loss.crossEntropy(logits, Tensor.ofInts(new int[] {1, 5}, 2), IGNORE));
        assertTrue(e.getMessage().contains("target 5") && e.getMessage().contains("5 classes"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Loss.crossEntropy(logits, Tensor.ofInts(new int[] {1}, 1), IGNORE));
    }
}
