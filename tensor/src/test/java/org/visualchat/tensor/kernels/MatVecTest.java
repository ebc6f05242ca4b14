package org.visualchat.tensor.kernels;

import static org.junit.jupiter.api.Assertions.*;

import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;
import org.visualchat.tensor.DType;
import org.visualchat.tensor.Storage;
import org.visualchat.tensor.Tensor;

/**
 * The decode matvec against a double-precision dot over the exactly dequantized weight (error bound
 * (k + 4)·2⁻²⁴·Σ|w·x|, see MatMulReference), on odd row counts and on lengths with vector tails
 * (k mod 16 ≠ 0) and odd block counts, with a contiguous and a strided output.
 */
class MatVecTest {
    private static final DType[] TYPES = {DType.F32, DType.BF16, DType.F16, DType.Q8_0, DType.Q4_0};

    @Test
    void matchesTheDoublePrecisionReference() {
        long seed = 7;
        for (DType type : TYPES) {
            int[] lengths = type.isQuantized() ? new int[] {32, 64, 96, 160, 2048} : new int[] {1, 15, 16, 17, 33, 100, 1000, 2048};
            for (int k : lengths)
                for (int rows : new int[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 37}) {
                    Tensor w = Tensor.uniform(seed++, -1, 1, rows, k).to(type);
                    float[] x = Tensor.uniform(seed++, -1, 1, k).toFloatArray();
                    float[] y = multiply(w, x, rows % 2 + 1);
                    float[] exact = w.to(DType.F32).toFloatArray();
                    for (int r = 0; r < rows; r++) {
                        double sum = 0, magnitude = 0;
                        for (int i = 0; i < k; i++) {
                            double t = (double) exact[r * k + i] * x[i];
                            sum += t;
                            magnitude += Math.abs(t);
                        }
                        String where = type + " k=" + k + " rows=" + rows + " row " + r;
                        assertTrue(Math.abs(y[r] - sum) <= (k + 4) * 0x1p-24 * magnitude, where + ": " + y[r] + " vs " + sum);
                    }
                }
        }
    }

    /**
     * Rows are computed in groups that share activation loads; a row's value must not depend on the
     * group it fell in: every split [from, to) gives, bit for bit, the single-row {@link MatVec#dot}.
     */
    @Test
    void aRowsValueDoesNotDependOnHowRowsAreGrouped() {
        long seed = 99;
        for (DType type : TYPES) {
            int k = type.isQuantized() ? 96 : 37, rows = 11;
            Tensor w = Tensor.uniform(seed++, -1, 1, rows, k).to(type);
            float[] x = Tensor.uniform(seed++, -1, 1, k).toFloatArray();
            MemorySegment s = w.storage().segment();
            long rowBytes = w.byteOffset(k) - w.byteOffset(0);
            for (int from = 0; from < rows; from++)
                for (int to = from + 1; to <= rows; to++) {
                    float[] y = new float[2 * rows];
                    MatVec.rows(type, s, w.byteOffset(0), rowBytes, from, to, x, k, MemorySegment.ofArray(y), 1, 2);
                    for (int r = from; r < to; r++) {
                        float single = MatVec.dot(type, s, w.byteOffset((long) r * k), x, k);
                        assertEquals(Float.floatToRawIntBits(single), Float.floatToRawIntBits(y[1 + 2 * r]), type + " row " + r + " of [" + from + ", " + to + ")");
                    }
                    for (int r = 0; r < rows; r++) if (r < from || r >= to) assertEquals(0f, y[1 + 2 * r], type + ": row " + r + " outside [" + from + ", " + to + ") was written");
                }
        }
    }

    /**
     * The F16 and the F32 kernels run one FMA chain per row over the same vectors in the same order, then
     * the same lane sum and scalar tail, and every F16 value is an F32 value: an F16 weight gives the bits
     * of its exact F32 conversion. A pin for F16 kernels to come, whatever they convert with.
     */
    @Test
    void anF16MatVecHasTheBitsOfItsExactF32Conversion() {
        long seed = 5;
        for (int k : new int[] {1, 15, 17, 511, 512, 513, 1000, 2055})
            for (int rows : new int[] {1, 2, 3, 5, 8}) {
                Tensor f16 = Tensor.uniform(seed++, -2, 2, rows, k).to(DType.F16);
                float[] x = Tensor.uniform(seed++, -1, 1, k).toFloatArray();
                float[] viaF16 = multiply(f16, x, 1), viaF32 = multiply(f16.to(DType.F32), x, 1);
                for (int r = 0; r < rows; r++) {
                    assertEquals(Float.floatToRawIntBits(viaF32[r]), Float.floatToRawIntBits(viaF16[r]), "k=" + k + " rows=" + rows + " row " + r);
                }
            }
    }

    /** y = W·x written every {@code yStride} floats of an output buffer, returned compacted. */
    private static float[] multiply(Tensor w, float[] x, int yStride) {
        int rows = w.dim(0), k = w.dim(1);
        MemorySegment y = Storage.allocate(4L * rows * yStride).segment();
        MatVec.multiply(Operand.of(w), 0, rows, k, x, y, 0, yStride);
        float[] out = new float[rows];
        for (int r = 0; r < rows; r++) out[r] = y.getAtIndex(Storage.F32, (long) r * yStride);
        return out;
    }
}
