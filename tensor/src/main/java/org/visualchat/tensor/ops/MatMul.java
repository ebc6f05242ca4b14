package org.visualchat.tensor.ops;

import org.visualchat.tensor.DType;
import org.visualchat.tensor.Shapes;
import org.visualchat.tensor.Tensor;

import java.util.Arrays;

/**
 * Matrix products. {@code matmul} follows NumPy/PyTorch semantics: A [..., M, K] · B [..., K, N] with
 * broadcast batch dimensions; any strides are accepted, so {@code matmul(a, b.transpose(-2, -1))} is
 * A·Bᵀ without materialising Bᵀ. {@code linear} is the weight product of a layer, x · Wᵀ with W stored
 * [N, K] in any weight dtype (F32, BF16, F16, Q8_0, Q4_0).
 *
 * <p>PLACEHOLDER KERNEL: a plain triple loop in double precision, correct on every layout; to be
 * replaced by the packed, register-tiled Vector API GEMM and the fused dequantize matvec.
 */
public final class MatMul {
    private MatMul() {}

    /** A [..., M, K] · B [..., K, N] → F32 [..., M, N]. */
    public static Tensor matmul(Tensor a, Tensor b) {
        if (a.rank() < 2 || b.rank() < 2) throw new IllegalArgumentException("matmul needs rank >= 2, got " + Arrays.toString(a.shape()) + " and " + Arrays.toString(b.shape()));
        int m = a.dim(-2), k = a.dim(-1), n = b.dim(-1);
        if (b.dim(-2) != k) throw new IllegalArgumentException("matmul inner dimensions differ: " + Arrays.toString(a.shape()) + " · " + Arrays.toString(b.shape()));
        int[] batch = Shapes.broadcast(Arrays.copyOf(a.shape(), a.rank() - 2), Arrays.copyOf(b.shape(), b.rank() - 2));
        int[] outShape = Arrays.copyOf(batch, batch.length + 2);
        outShape[batch.length] = m;
        outShape[batch.length + 1] = n;
        int[] aShape = Arrays.copyOf(batch, batch.length + 2), bShape = Arrays.copyOf(batch, batch.length + 2);
        aShape[batch.length] = m; aShape[batch.length + 1] = k;
        bShape[batch.length] = k; bShape[batch.length + 1] = n;
        float[] x = a.expand(aShape).toFloatArray(), y = b.expand(bShape).toFloatArray();
        int batches = (int) Shapes.numel(batch);
        float[] out = new float[batches * m * n];
        for (int p = 0; p < batches; p++)
            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++) {
                    double s = 0;
                    for (int q = 0; q < k; q++) s += (double) x[(p * m + i) * k + q] * y[(p * k + q) * n + j];
                    out[(p * m + i) * n + j] = (float) s;
                }
        return Tensor.of(out, outShape);
    }

    /** x [..., K] · Wᵀ for W [N, K] of any weight dtype → F32 [..., N]. */
    public static Tensor linear(Tensor x, Tensor w) {
        if (w.rank() != 2) throw new IllegalArgumentException("linear weight must be [out, in], got " + Arrays.toString(w.shape()));
        Tensor wf = w.dtype() == DType.F32 ? w : w.to(DType.F32);
        int[] shape = x.shape();
        Tensor x2 = x.reshape(-1, x.dim(-1));
        Tensor y = matmul(x2, wf.transpose(0, 1));
        shape[shape.length - 1] = w.dim(0);
        return y.reshape(shape);
    }
}
