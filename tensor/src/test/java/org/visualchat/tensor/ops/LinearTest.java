package org.visualchat.tensor.ops;

import org.junit.jupiter.api.Test;
import org.visualchat.tensor.DType;
import org.visualchat.tensor.Tensor;
import org.visualchat.tensor.WorkerPool;

import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.visualchat.tensor.ops.MatMulReference.assertProduct;

/**
 * linear(x, W) for every weight dtype, on both kernels (one row: the fused dequantize matvec; several
 * rows: the GEMM with dequantized panels), against x·Wᵀ with W dequantized by the scalar reference
 * ({@code Tensor.to(F32)}), which is exact: a kernel may only differ by the rounding of its sums.
 */
class LinearTest {
    private static final DType[] WEIGHT_TYPES = {DType.F32, DType.BF16, DType.F16, DType.Q8_0, DType.Q4_0};

    @Test
    void everyWeightTypeOnBothKernels() {
        long seed = 100;
        for (DType type : WEIGHT_TYPES)
            for (int k : new int[] {32, 96, 320})
                for (int n : new int[] {1, 17, 100})
                    for (int rows : new int[] {1, 2, 33}) {
                        Tensor w = Tensor.uniform(seed++, -1, 1, n, k).to(type);
                        Tensor x = Tensor.uniform(seed++, -1, 1, rows, k);
                        Tensor y = MatMul.linear(x, w);
                        assertProduct(x, w.to(DType.F32).transpose(0, 1), y);
                    }
    }

    /**
     * With K in one slice (≤ 256) every element of x·Wᵀ is the FMA chain Σ x[k]·w[k] in k order, to the bit,
     * whichever orientation the GEMM picks (small weights unswapped, large ones swapped: Gemm.swapped); the
     * demo's training relies on it being the same bits after the orientation changed.
     */
    @Test
    void withKInOneSliceEveryElementIsTheInOrderFmaChain() {
        long seed = 7;
        for (int[] s : new int[][] {{33, 100, 96}, {442, 64, 64}, {25, 641, 64}, {13, 1000, 256}, {50, 2100, 250}}) {
            int rows = s[0], n = s[1], k = s[2];
            Tensor x = Tensor.uniform(seed++, -1, 1, rows, k), w = Tensor.uniform(seed++, -1, 1, n, k);
            Tensor y = MatMul.linear(x, w);
            for (int i = 0; i < rows; i += 3)
                for (int j = 0; j < n; j += 7) {
                    float c = 0f;
                    for (int kk = 0; kk < k; kk++) c = Math.fma(x.get(i, kk), w.get(j, kk), c);
                    if (Float.floatToRawIntBits(c) != Float.floatToRawIntBits(y.get(i, j))) {
                        throw new AssertionError("x·Wᵀ [" + rows + ", " + n + ", " + k + "] element (" + i + ", " + j + "): " + y.get(i, j) + ", the FMA chain " + c);
                    }
                }
        }
    }

    @Test
    void plainWeightsWithLengthsThatAreNotBlockMultiples() {
        for (DType type : new DType[] {DType.F32, DType.BF16, DType.F16})
            for (int k : new int[] {1, 7, 17, 1000}) {
                Tensor w = Tensor.uniform(k, -1, 1, 33, k).to(type);
                for (int rows : new int[] {1, 7}) {
                    Tensor x = Tensor.uniform(rows + k, -1, 1, rows, k);
                    assertProduct(x, w.to(DType.F32).transpose(0, 1), MatMul.linear(x, w));
                }
            }
    }

    @Test
    void leadingDimensionsAndNonContiguousInputs() {
        Tensor w = Tensor.uniform(1, -1, 1, 40, 64).to(DType.Q8_0);
        Tensor x = Tensor.uniform(2, -1, 1, 2, 3, 64);
        Tensor y = MatMul.linear(x, w);
        assertArrayEquals(new int[] {2, 3, 40}, y.shape());
        assertProduct(x.reshape(6, 64), w.to(DType.F32).transpose(0, 1), y.reshape(6, 40));
        Tensor xt = Tensor.uniform(3, -1, 1, 64, 5).transpose(0, 1);      // rows of x not contiguous
        assertProduct(xt, w.to(DType.F32).transpose(0, 1), MatMul.linear(xt, w));
        Tensor rowsOfW = Tensor.uniform(4, -1, 1, 50, 64).to(DType.Q4_0).narrow(0, 10, 20);
        assertProduct(xt, rowsOfW.to(DType.F32).transpose(0, 1), MatMul.linear(xt, rowsOfW));
        Tensor xBf16 = Tensor.uniform(5, -1, 1, 9, 64).to(DType.BF16);
        assertProduct(xBf16, w.to(DType.F32).transpose(0, 1), MatMul.linear(xBf16, w));
    }

    @Test
    void prefillShapesCrossEveryBlockOfTheStagedOutput() {
        // x·Wᵀ runs as Cᵀ = W·xᵀ with Cᵀ staged per thread: 130 weight rows cross the 60-row blocks twice,
        // K = 1088 makes two K slices of at most 1024 (the last partial), 45 rows of x end in a partial
        // 32-wide panel; the result must also be bit-identical on one thread and on the pool.
        for (DType type : WEIGHT_TYPES) {
            Tensor w = Tensor.uniform(11, -1, 1, 130, 1088).to(type), x = Tensor.uniform(12, -1, 1, 45, 1088);
            Tensor y = MatMul.linear(x, w);
            assertProduct(x, w.to(DType.F32).transpose(0, 1), y);
            AtomicReference<Tensor> alone = new AtomicReference<>();
            WorkerPool.get().parallelForChunks(2, 1, (start, end) -> {   // nested in a pool loop: one thread
                if (start == 0) alone.set(MatMul.linear(x, w));
            });
            assertArrayEquals(alone.get().toFloatArray(), y.toFloatArray(), type.toString());
        }
    }

    @Test
    void decodeStepIntoAPreallocatedOutput() {
        Tensor w = Tensor.uniform(7, -1, 1, 96, 128).to(DType.Q4_0);
        Tensor x = Tensor.uniform(8, -1, 1, 1, 128), out = Tensor.zeros(1, 96);
        assertSame(out, MatMul.linear(x, w, out));
        assertProduct(x, w.to(DType.F32).transpose(0, 1), out);
    }

    @Test
    void mismatchedFeaturesNameBothShapes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> MatMul.linear(Tensor.zeros(3, 65), Tensor.zeros(10, 64).to(DType.Q8_0)));
        assertTrue(e.getMessage().contains("[3, 65]") && e.getMessage().contains("Q8_0[10, 64]"), e.getMessage());
    }
}
