package org.visualchat.tensor.ops;

import org.junit.jupiter.api.Test;
import org.visualchat.tensor.Tensor;
import org.visualchat.tensor.WorkerPool;
import org.visualchat.tensor.kernels.Gemm;
import org.visualchat.tensor.kernels.Operand;

import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.visualchat.tensor.ops.MatMulReference.assertProduct;

class MatMulTest {
    private static final int[] SIZES = {1, 7, 17, 33, 100};
    private long seed = 1;

    private Tensor rand(int... shape) {
        return Tensor.uniform(seed++, -1, 1, shape);
    }

    @Test
    void everyCombinationOfAwkwardSizes() {
        for (int m : SIZES)
            for (int n : SIZES)
                for (int k : SIZES) {
                    Tensor a = rand(m, k), b = rand(k, n);
                    assertProduct(a, b, MatMul.matmul(a, b));
                }
    }

    @Test
    void sizesThatCrossEveryBlockBoundary() {
        // 257 > 256 = KC and MC; 1100 > 1024 = NC; 300 ends in a partial K slice.
        int[][] shapes = {{257, 33, 300}, {9, 1100, 20}, {300, 257, 7}, {257, 257, 257}, {2, 2, 600}};
        for (int[] s : shapes) {
            Tensor a = rand(s[0], s[2]), b = rand(s[2], s[1]);
            assertProduct(a, b, MatMul.matmul(a, b));
            Tensor bt = rand(s[1], s[2]).transpose(0, 1);
            assertProduct(a, bt, MatMul.matmul(a, bt));
        }
    }

    @Test
    void transposedOperandsAreReadInPlace() {
        for (int m : new int[] {1, 17, 100})
            for (int n : new int[] {1, 33, 257})
                for (int k : new int[] {7, 100}) {
                    Tensor at = rand(k, m).transpose(0, 1), bt = rand(n, k).transpose(0, 1);
                    Tensor a = rand(m, k), b = rand(k, n);
                    assertProduct(at, b, MatMul.matmul(at, b));
                    assertProduct(a, bt, MatMul.matmul(a, bt));   // A·Bᵀ, the attention-score layout
                    assertProduct(at, bt, MatMul.matmul(at, bt));
                }
    }

    @Test
    void narrowedAndStridedViews() {
        // Every other column (stride 2), an inner window of a bigger matrix, and a stride-0 expansion.
        Tensor a = rand(40, 2, 33).select(1, 1).narrow(0, 3, 17);          // [17, 33], row stride 66
        Tensor b = rand(33, 50, 2).select(2, 0).narrow(1, 5, 40);          // [33, 40], column stride 2
        assertProduct(a, b, MatMul.matmul(a, b));
        Tensor bRow = rand(1, 40).expand(33, 40);                          // row stride 0
        assertProduct(a, bRow, MatMul.matmul(a, bRow));
        Tensor aCol = rand(17, 1).expand(17, 33);                          // column stride 0
        assertProduct(aCol, b, MatMul.matmul(aCol, b));
    }

    @Test
    void batchDimensionsBroadcast() {
        Tensor a = rand(2, 1, 17, 33), b = rand(3, 33, 7);
        assertProduct(a, b, MatMul.matmul(a, b));                          // [2, 3, 17, 7]
        Tensor w = rand(33, 100);
        assertProduct(a, w, MatMul.matmul(a, w));                          // a matrix against every batch
        Tensor q = rand(2, 4, 9, 16), key = rand(2, 4, 9, 16);
        Tensor kt = key.transpose(-2, -1);
        assertProduct(q, kt, MatMul.matmul(q, kt));                        // attention scores [2, 4, 9, 9]
        Tensor rows = rand(5, 1, 1, 16), keys = kt.select(0, 0).unsqueeze(0);   // [5,1,1,16]·[1,4,16,9]
        assertProduct(rows, keys, MatMul.matmul(rows, keys));
    }

    @Test
    void vectorShapesUseTheMatrixVectorKernelCorrectly() {
        for (int k : new int[] {1, 7, 33, 1000}) {
            Tensor x = rand(1, k), wt = rand(257, k).transpose(0, 1), b = rand(k, 17), col = rand(k, 1);
            assertProduct(x, wt, MatMul.matmul(x, wt));                    // row · Wᵀ
            assertProduct(x, b, MatMul.matmul(x, b));                      // row · B (row-major B)
            Tensor a = rand(100, k);
            assertProduct(a, col, MatMul.matmul(a, col));                  // A · column
            Tensor aStrided = rand(k, 100).transpose(0, 1);
            assertProduct(aStrided, col, MatMul.matmul(aStrided, col));
        }
    }

    @Test
    void gemmWritesAnOutputWhoseRowsAndColumnsAreBothStrided() {
        // Gemm.multiply takes any C strides (MatMul always passes a contiguous C): every other column of a
        // [37, 90] buffer, for A·Bᵀ (computed as Cᵀ = B·Aᵀ) and for A·B; the columns in between stay untouched.
        int m = 37, n = 45, k = 70;
        Tensor a = rand(m, k), bt = rand(n, k), b = rand(k, n);
        for (Tensor right : new Tensor[] {bt.transpose(0, 1), b}) {
            Tensor buffer = Tensor.full(7f, m, n, 2), c = buffer.select(2, 0);
            Gemm.multiply(Operand.of(a), new long[] {a.offset()}, Operand.of(right), new long[] {right.offset()},
                    Operand.of(c), new long[] {c.offset()}, m, n, k);
            assertProduct(a, right, c);
            for (float untouched : buffer.select(2, 1).toFloatArray()) assertEquals(7f, untouched);
        }
    }

    @Test
    void emptyInnerDimensionGivesZeros() {
        Tensor c = MatMul.matmul(Tensor.zeros(3, 0), Tensor.zeros(0, 4));
        assertArrayEquals(new float[12], c.toFloatArray());
        Tensor big = MatMul.matmul(Tensor.zeros(40, 0), Tensor.zeros(0, 70));
        assertArrayEquals(new float[40 * 70], big.toFloatArray());
    }

    @Test
    void outVariantWritesIntoTheGivenTensor() {
        Tensor a = rand(2, 17, 33), b = rand(33, 40), out = Tensor.full(7f, 2, 17, 40);
        assertSame(out, MatMul.matmul(a, b, out));
        assertProduct(a, b, out);
        assertThrows(IllegalArgumentException.class, () -> MatMul.matmul(a, b, Tensor.zeros(2, 17, 41)));
        assertThrows(IllegalArgumentException.class, () -> MatMul.matmul(a, b, Tensor.zeros(2, 40, 17).transpose(1, 2)));
    }

    @Test
    void badShapesGiveClearErrors() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MatMul.matmul(rand(3, 4), rand(5, 6)));
        assertTrue(e.getMessage().contains("[3, 4]") && e.getMessage().contains("[5, 6]"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> MatMul.matmul(rand(2, 3, 4), rand(3, 4, 5)));
        assertThrows(IllegalArgumentException.class, () -> MatMul.matmul(rand(4), rand(4, 5)));
    }

    @Test
    void oneThreadAndAllThreadsGiveIdenticalResults() {
        int[][] shapes = {{257, 100, 300}, {64, 300, 257}, {7, 1100, 33}, {1, 513, 100}};
        for (int[] s : shapes) {
            Tensor a = rand(s[0], s[2]), b = rand(s[2], s[1]), bt = rand(s[1], s[2]).transpose(0, 1);
            assertArrayEquals(singleThreaded(a, b).toFloatArray(), MatMul.matmul(a, b).toFloatArray());
            assertArrayEquals(singleThreaded(a, bt).toFloatArray(), MatMul.matmul(a, bt).toFloatArray());
        }
    }

    /** A matmul started from inside a pool loop runs on the calling thread alone (the pool never nests). */
    private static Tensor singleThreaded(Tensor a, Tensor b) {
        AtomicReference<Tensor> result = new AtomicReference<>();
        WorkerPool.get().parallelForChunks(2, 1, (start, end) -> {
            if (start == 0) result.set(MatMul.matmul(a, b));
        });
        return result.get();
    }
}
