package org.visualchat.autograd;

import org.visualchat.tensor.DType;
import org.visualchat.tensor.Tensor;
import org.visualchat.tensor.ops.Elementwise;
import org.visualchat.tensor.ops.MatMul;
import org.visualchat.tensor.ops.Reduce;

/**
 * Differentiable matrix products. For C = A·B: dA = dC·Bᵀ and dB = Aᵀ·dC, reduced over broadcast batch
 * dimensions; the transposes are strided views, never copies.
 */
public final class Products {
    private Products() {}

    /** A [..., M, K] · B [..., K, N] with broadcast batch dimensions. */
    public static Variable matmul(Variable a, Variable b) {
        return Variable.fromOp(MatMul.matmul(a.value(), b.value()), g -> new Tensor[] {
                a.requiresGrad() ? Arith.reduceTo(MatMul.matmul(g, b.value().transpose(-1, -2)), a) : null,
                b.requiresGrad() ? weightGrad(a.value(), g, b) : null}, a, b);
    }

    /** dB = Aᵀ·dC; a rank-2 B shared by a batch of A folds the batch into the rows instead of summing after. */
    private static Tensor weightGrad(Tensor a, Tensor g, Variable b) {
        if (b.rank() == 2 && a.rank() > 2) {
            Tensor a2 = a.reshape(-1, a.dim(-1)), g2 = g.reshape(-1, g.dim(-1));
            return MatMul.matmul(a2.transpose(0, 1), g2);
        }
        return Arith.reduceTo(MatMul.matmul(a.transpose(-1, -2), g), b);
    }

    /**
     * A layer's x [..., K] · Wᵀ + bias for W [N, K] (any weight dtype; a quantized W must be frozen)
     * and bias [N] or null: dx = dy·W, dW = dyᵀ·x over all leading positions, dbias = Σ dy.
     */
    public static Variable linear(Variable x, Variable w, Variable bias) {
        // The GEMM streams weight rows, so a strided weight view (rare: weights are stored row-major) is copied.
        Tensor y = MatMul.linear(x.value(), w.value().isContiguous() ? w.value() : w.value().contiguous());
        if (bias != null) y = Elementwise.add(y, bias.value());
        int n = w.dim(0), k = w.dim(1);
        return Variable.fromOp(y, g -> {
            Tensor g2 = g.reshape(-1, n);
            Tensor dx = null, dw = null, db = null;
            if (x.requiresGrad()) {
                Tensor wv = w.value().dtype().isQuantized() ? w.value().to(DType.F32) : w.value();
                dx = MatMul.matmul(g2, wv).reshape(x.shape());
            }
            if (w.requiresGrad()) dw = MatMul.matmul(g2.transpose(0, 1), x.value().reshape(-1, k));
            if (bias != null && bias.requiresGrad()) db = Reduce.sum(g2, 0, false);
            return new Tensor[] {dx, dw, db};
        }, x, w, bias);
    }
}
