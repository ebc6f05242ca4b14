package org.visualchat.autograd;

import org.visualchat.tensor.Tensor;
import org.visualchat.tensor.ops.Elementwise;
import org.visualchat.tensor.ops.Norm;
import org.visualchat.tensor.ops.Reduce;
import org.visualchat.tensor.ops.Softmax;
import org.visualchat.tensor.ops.Unary;

/**
 * Differentiable softmax, log-softmax, LayerNorm and RMSNorm over the last dimension. Backward rules
 * (row-wise, · elementwise, ⟨⟩ the row mean or sum):
 * <ul>
 *   <li>softmax y: dx = y·(dy − Σ dy·y)</li>
 *   <li>log-softmax y: dx = dy − exp(y)·Σ dy</li>
 *   <li>LayerNorm, x̂ = (x − μ)·r, r = 1/√(σ² + ε): dx = r·(ĝ − ⟨ĝ⟩ − x̂·⟨ĝ·x̂⟩) with ĝ = dy·w</li>
 *   <li>RMSNorm, x̂ = x·r, r = 1/√(⟨x²⟩ + ε): dx = r·(ĝ − x̂·⟨ĝ·x̂⟩)</li>
 * </ul>
 * The normalisers recompute x̂ in backward instead of saving it (one more pass, one less activation);
 * RMSNorm's dx is one fused row kernel ({@link Norm#rmsNormBackward}).
 */
public final class Normalization {
    private Normalization() {}

    public static Variable softmax(Variable x) {
        Tensor y = Softmax.softmax(x.value());
        return Variable.fromOp(y, g -> new Tensor[] {softmaxBackward(y, g)}, x);
    }

    /** Softmax of x + additiveMask (broadcast; −∞ entries excluded; an all-masked row gives zeros). The mask gets no gradient. */
    public static Variable softmax(Variable x, Tensor additiveMask) {
        Tensor y = Softmax.softmax(x.value(), additiveMask);
        return Variable.fromOp(y, g -> new Tensor[] {softmaxBackward(y, g)}, x);
    }

    public static Variable logSoftmax(Variable x) {
        Tensor y = Softmax.logSoftmax(x.value());
        return Variable.fromOp(y, g -> new Tensor[] {
                Elementwise.sub(g, Elementwise.mul(Unary.exp(y), Reduce.sum(g, -1, true)))}, x);
    }

    private static Tensor softmaxBackward(Tensor y, Tensor g) {
        Tensor dot = Reduce.sum(Elementwise.mul(g, y), -1, true);
        return Elementwise.mul(y, Elementwise.sub(g, dot));
    }

    /** LayerNorm over the last dim; weight and bias [D] may be null. */
    public static Variable layerNorm(Variable x, Variable weight, Variable bias, float eps) {
        Tensor y = Norm.layerNorm(x.value(), value(weight), value(bias), eps);
        return Variable.fromOp(y, g -> {
            Tensor xc = Elementwise.sub(x.value(), Reduce.mean(x.value(), -1, true));
            Tensor rstd = Unary.rsqrt(Elementwise.add(Reduce.mean(Unary.square(xc), -1, true), eps));
            Tensor xhat = Elementwise.mul(xc, rstd);
            Tensor gx = null;
            if (x.requiresGrad()) {
                Tensor gh = weight == null ? g : Elementwise.mul(g, weight.value());
                Tensor centred = Elementwise.sub(gh, Reduce.mean(gh, -1, true));
                Tensor proj = Elementwise.mul(xhat, Reduce.mean(Elementwise.mul(gh, xhat), -1, true));
                gx = Elementwise.mul(rstd, Elementwise.sub(centred, proj));
            }
            // A frozen weight or bias costs nothing: its per-position product is not even formed.
            return new Tensor[] {gx, needsGrad(weight) ? Reduce.sumTo(Elementwise.mul(g, xhat), weight.shape()) : null,
                    needsGrad(bias) ? Reduce.sumTo(g, bias.shape()) : null};
        }, x, weight, bias);
    }

    /** Hugging Face LlamaRMSNorm: x·rsqrt(mean(x²) + eps)·weight; weight [D] may be null. */
    public static Variable rmsNorm(Variable x, Variable weight, float eps) {
        Tensor y = Norm.rmsNorm(x.value(), value(weight), eps);
        return Variable.fromOp(y, g -> new Tensor[] {
                x.requiresGrad() ? Norm.rmsNormBackward(x.value(), value(weight), g, eps) : null,
                needsGrad(weight) ? Reduce.sumTo(Elementwise.mul(g, Norm.rmsNorm(x.value(), null, eps)), weight.shape()) : null}, x, weight);
    }

    private static boolean needsGrad(Variable p) {
        return p != null && p.requiresGrad();
    }

    private static Tensor value(Variable v) {
        return v == null ? null : v.value();
    }
}
