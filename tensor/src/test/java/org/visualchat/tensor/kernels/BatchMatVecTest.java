package org.visualchat.tensor.kernels;

import static org.junit.jupiter.api.Assertions.*;

import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;
import org.visualchat.tensor.DType;
import org.visualchat.tensor.Tensor;

/**
 * The several-activation-row matvec must give every activation row, bit for bit, the single-row
 * {@link MatVec#dot}: decoding B sequences together then equals decoding each alone. Awkward shapes:
 * k with vector tails (k mod 16 ≠ 0) and odd block counts, odd row ranges, B = 1, 2, 3, 5 (groups of
 * four or two activation rows with a short last group).
 */
class BatchMatVecTest {
    private static final DType[] TYPES = {DType.F32, DType.BF16, DType.F16, DType.Q8_0, DType.Q4_0};

    @Test
    void everyActivationRowGetsTheSingleRowDot() {
        long seed = 41;
        for (DType type : TYPES) {
            int[] lengths = type.isQuantized() ? new int[] {32, 64, 96, 160} : new int[] {1, 15, 16, 17, 33, 100};
            for (int k : lengths)
                for (int batch : new int[] {1, 2, 3, 5}) {
                    int rows = 7;
                    Tensor w = Tensor.uniform(seed++, -1, 1, rows, k).to(type);
                    float[][] xs = new float[batch][];
                    for (int b = 0; b < batch; b++) xs[b] = Tensor.uniform(seed++, -1, 1, k).toFloatArray();
                    MemorySegment s = w.storage().segment();
                    long rowBytes = w.byteOffset(k) - w.byteOffset(0);
                    int from = 1, to = rows; // a range not starting at row 0, an odd number of rows
                    float[][] ys = new float[batch][rows];
                    BatchMatVec.rows(type, s, w.byteOffset(0), rowBytes, from, to, xs, k, ys);
                    for (int b = 0; b < batch; b++) {
                        assertEquals(0f, ys[b][0], type + ": row 0 outside the range was written");
                        for (int r = from; r < to; r++) {
                            float single = MatVec.dot(type, s, w.byteOffset((long) r * k), xs[b], k);
                            String where = type + " k=" + k + " B=" + batch + " activation " + b + " row " + r;
                            assertEquals(Float.floatToRawIntBits(single), Float.floatToRawIntBits(ys[b][r]), where + ": " + ys[b][r] + " vs " + single);
                        }
                    }
                }
        }
    }

    @Test
    void mismatchedOutputsAreRejected() {
        Tensor w = Tensor.uniform(1, -1, 1, 2, 4);
        var e = assertThrows(IllegalArgumentException.class,
                () -> BatchMatVec.rows(DType.F32, w.storage().segment(), 0, 16, 0, 2, new float[2][4], 4, new float[3][2]));
        assertTrue(e.getMessage().contains("2 activation rows but 3 outputs"), e.getMessage());
    }
}
