package org.visualchat.tensor.ops;

import org.junit.jupiter.api.Test;
import org.visualchat.tensor.Tensor;

import static org.junit.jupiter.api.Assertions.*;
import static org.visualchat.tensor.ops.OpsTesting.*;

class RopeTest {
    /** The explicit rotation of every pair of every row (rows of [..., S, D]) at its position, in double. */
    private static double[] reference(double[] x, int seq, int d, long[] pos, boolean perBatch, int rowsPerBatch, double theta, Rope.Layout layout, double sign) {
        double[] out = new double[x.length];
        int h = d / 2;
        for (int r = 0; r < x.length / d; r++) {
            long p = perBatch ? pos[(r / rowsPerBatch) * seq + r % seq] : pos[r % seq];
            for (int i = 0; i < h; i++) {
                double angle = sign * p * Math.pow(theta, -2.0 * i / d);
                int a = layout == Rope.Layout.HALF ? i : 2 * i, b = layout == Rope.Layout.HALF ? i + h : 2 * i + 1;
                double x0 = x[r * d + a], x1 = x[r * d + b];
                out[r * d + a] = x0 * Math.cos(angle) - x1 * Math.sin(angle);
                out[r * d + b] = x1 * Math.cos(angle) + x0 * Math.sin(angle);
            }
        }
        return out;
    }

    @Test
    void bothLayoutsMatchTheRotationFormulasForSharedAndPerBatchPositions() {
        int b = 2, heads = 3, seq = 7;
        for (int d : new int[] {2, 6, 16, 34, 64, 128}) {               // 2–16: one vector (D ≤ L) on 512-bit lanes
            Tensor x0 = randn(d, b, heads, seq, d);
            long[] shared = {0, 1, 2, 3, 4, 5, 4095};
            long[] perBatch = {3, 4, 5, 6, 7, 8, 9, 100, 200, 300, 400, 500, 600, 700};
            for (Rope.Layout layout : Rope.Layout.values()) {
                for (Case c : layouts(x0)) {
                    double[] x = values(c.tensor());
                    String what = layout + " " + c + " d=" + d;
                    assertClose(reference(x, seq, d, shared, false, 0, 10000, layout, 1), x0.shape(),
                            Rope.rope(c.tensor(), Tensor.ofLongs(shared, seq), 10000f, layout), 1e-5, 1e-5, "rope " + what);
                    assertClose(reference(x, seq, d, perBatch, true, heads * seq, 500000, layout, 1), x0.shape(),
                            Rope.rope(c.tensor(), Tensor.ofInts(toInts(perBatch), b, seq), 500000f, layout), 1e-5, 1e-5, "rope per-batch " + what);
                    assertClose(reference(x, seq, d, shared, false, 0, 10000, layout, -1), x0.shape(),
                            Rope.ropeBackward(c.tensor(), Tensor.ofLongs(shared, seq), 10000f, layout), 1e-5, 1e-5, "ropeBackward " + what);
                }
            }
        }
    }

    private static int[] toInts(long[] v) {
        int[] r = new int[v.length];
        for (int i = 0; i < v.length; i++) r[i] = (int) v[i];
        return r;
    }

    /** formats.md §1.3: Meta element 2i+c is HF element c·D/2 + i, and the two ropes commute with that permutation. */
    @Test
    void halfAndInterleavedAreRelatedByTheCheckpointPermutation() {
        int d = 64, seq = 33;
        Tensor meta = randn(7, 2, seq, d);
        Tensor hf = Tensor.zeros(2, seq, d);
        for (int r = 0; r < 2; r++) for (int s = 0; s < seq; s++) for (int i = 0; i < d / 2; i++) for (int c = 0; c < 2; c++)
            hf.set(meta.get(r, s, 2 * i + c), r, s, c * d / 2 + i);
        Tensor pos = Tensor.ofInts(java.util.stream.IntStream.range(10, 10 + seq).toArray(), seq);
        Tensor rotatedMeta = Rope.rope(meta, pos, 10000f, Rope.Layout.INTERLEAVED);
        Tensor rotatedHf = Rope.rope(hf, pos, 10000f, Rope.Layout.HALF);
        for (int r = 0; r < 2; r++) for (int s = 0; s < seq; s++) for (int i = 0; i < d / 2; i++) for (int c = 0; c < 2; c++)
            assertEquals(rotatedMeta.get(r, s, 2 * i + c), rotatedHf.get(r, s, c * d / 2 + i), 0f);
    }

    @Test
    void backwardUndoesForwardAndNonContiguousHeadsWork() {
        Tensor x = randn(3, 2, 17, 4, 32).transpose(1, 2);             // [B, S, H, D] stored, viewed [B, H, S, D]
        Tensor pos = Tensor.ofInts(java.util.stream.IntStream.range(0, 17).toArray(), 17);
        Tensor back = Rope.ropeBackward(Rope.rope(x, pos, 10000f, Rope.Layout.HALF), pos, 10000f, Rope.Layout.HALF);
        assertClose(values(x), x.shape(), back, 1e-5, 1e-6, "ropeBackward ∘ rope");
    }

    @Test
    void badInputsAreNamed() {
        Tensor x = Tensor.zeros(2, 5, 8);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Rope.rope(Tensor.zeros(5, 7), Tensor.ofInts(new int[5], 5), 1e4f, Rope.Layout.HALF)).getMessage().contains("even"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Rope.rope(x, Tensor.ofInts(new int[4], 4), 1e4f, Rope.Layout.HALF)).getMessage().contains("[4]"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Rope.rope(x, Tensor.ofInts(new int[] {0, 1, -2, 3, 4}, 5), 1e4f, Rope.Layout.HALF)).getMessage().contains("-2"));
        assertThrows(IllegalArgumentException.class, () -> Rope.rope(x, Tensor.zeros(5), 1e4f, Rope.Layout.HALF));
    }
}
