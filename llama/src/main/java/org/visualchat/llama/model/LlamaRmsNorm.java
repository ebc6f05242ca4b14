package org.visualchat.llama.model;

import org.visualchat.autograd.Normalization;
import org.visualchat.autograd.Variable;
import org.visualchat.nn.Module;
import org.visualchat.tensor.Tensor;
import org.visualchat.tensor.ops.Norm;

/** HF LlamaRMSNorm, x·rsqrt(mean(x²) + eps)·weight, with its {@code weight} [d] taken from a checkpoint. */
public final class LlamaRmsNorm extends Module {
    private final Variable weight;
    private final float eps;

    LlamaRmsNorm(Tensor weight, float eps) {
        this.weight = parameter("weight", weight);
        this.eps = eps;
    }

    public Variable forward(Variable x) {
        return Normalization.rmsNorm(x, weight, eps);
    }

    /** Inference path: no tape. */
    public Tensor apply(Tensor x) {
        return Norm.rmsNorm(x, weight.value(), eps);
    }
}
