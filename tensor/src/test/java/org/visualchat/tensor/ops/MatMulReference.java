package org.visualchat.tensor.ops;

import org.visualchat.tensor.Shapes;
import org.visualchat.tensor.Tensor;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.fail;

/** The definition matmul is tested against: a triple loop in double precision over logical elements. */
final class MatMulReference {
    private MatMulReference() {}

    /**
     * Asserts {@code actual} = A·B (NumPy broadcasting) within the floating-point error bound of a
     * length-K dot product, |ĉ − c| ≤ γ·Σ_k |a_ik·b_kj| with γ = (K + 4)·2⁻²⁴ (Higham, Accuracy and
     * Stability, §3.1: γ_K ≈ K·u for any summation order; +4 covers the block-scale products of the
     * quantized dot and a final rounding). A wrong element or a missed term is far outside this bound.
     */
    static void assertProduct(Tensor a, Tensor b, Tensor actual) {
        int m = a.dim(-2), k = a.dim(-1), n = b.dim(-1);
        int[] batch = Shapes.broadcast(Arrays.copyOf(a.shape(), a.rank() - 2), Arrays.copyOf(b.shape(), b.rank() - 2));
        int[] aShape = Arrays.copyOf(batch, batch.length + 2), bShape = aShape.clone(), cShape = aShape.clone();
        aShape[batch.length] = m; aShape[batch.length + 1] = k;
        bShape[batch.length] = k; bShape[batch.length + 1] = n;
        cShape[batch.length] = m; cShape[batch.length + 1] = n;
        assertArrayEquals(cShape, actual.shape(), "result shape");
        float[] x = a.expand(aShape).toFloatArray(), y = b.expand(bShape).toFloatArray(), got = actual.toFloatArray();
        double gamma = (k + 4) * 0x1p-24;
        int batches = (int) Shapes.numel(batch);
        for (int p = 0; p < batches; p++)
            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++) {
                    double sum = 0, magnitude = 0;
                    for (int q = 0; q < k; q++) {
                        double t = (double) x[(p * m + i) * k + q] * y[(p * k + q) * n + j];
                        sum += t;
                        magnitude += Math.abs(t);
                    }
                    int at = (p * m + i) * n + j;
                    if (!(Math.abs(got[at] - sum) <= gamma * magnitude + 1e-30)) {
                        fail("C" + Arrays.toString(new int[] {p, i, j}) + " = " + got[at] + ", expected " + sum + " ± " + gamma * magnitude
                                + " (A " + Arrays.toString(a.shape()) + " strides " + Arrays.toString(a.strides())
                                + ", B " + Arrays.toString(b.shape()) + " strides " + Arrays.toString(b.strides()) + ")");
                    }
                }
    }
}
