package org.visualchat.nn;

import org.visualchat.autograd.Normalization;
import org.visualchat.autograd.Variable;
import org.visualchat.tensor.Tensor;

/** Hugging Face LlamaRMSNorm: x·rsqrt(mean(x²) + eps)·weight, weight initialised to ones. */
public final class RmsNorm extends Module {
    private final Variable weight;
    private final float eps;

    public RmsNorm(int dim, float eps) {
        this.weight = parameter("weight", Tensor.full(1f, dim));
        this.eps = eps;
    }

    public Variable forward(Variable x) {
        return Normalization.rmsNorm(x, weight, eps);
    }
}
