package org.visualchat.nn;

import org.visualchat.autograd.Normalization;
import org.visualchat.autograd.Variable;
import org.visualchat.tensor.Tensor;

/** LayerNorm over the last dim with {@code weight} (ones) and {@code bias} (zeros), as nn.LayerNorm. */
public final class LayerNorm extends Module {
    private final Variable weight;
    private final Variable bias;
    private final float eps;

    public LayerNorm(int dim, float eps) {
        this.weight = parameter("weight", Tensor.full(1f, dim));
        this.bias = parameter("bias", Tensor.zeros(dim));
        this.eps = eps;
    }

    public Variable forward(Variable x) {
        return Normalization.layerNorm(x, weight, bias, eps);
    }
}
