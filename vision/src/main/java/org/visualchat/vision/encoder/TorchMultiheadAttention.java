package org.visualchat.vision.encoder;

import org.visualchat.autograd.Products;
import org.visualchat.autograd.Variable;
import org.visualchat.autograd.Views;
import org.visualchat.nn.Linear;
import org.visualchat.nn.Module;
import org.visualchat.tensor.Tensor;

/**
 * PyTorch {@code nn.MultiheadAttention} (no mask, no dropout) with separate query, key and value
 * inputs: packed {@code in_proj_weight} [3E, E] whose rows are all of Q, then all of K, then all of V
 * (unlike QWen's per-head fused layout), {@code in_proj_bias} [3E], {@code out_proj} Linear(E → E);
 * scores scaled by head_dim^−½. Initialised as PyTorch does: xavier-uniform in_proj, zero biases.
 */
public final class TorchMultiheadAttention extends Module {
    private final Variable inProjWeight;
    private final Variable inProjBias;
    private final Linear outProj;
    private final int dim;
    private final int heads;

    public TorchMultiheadAttention(int dim, int heads, long seed) {
        float bound = (float) Math.sqrt(6.0 / (dim + 3 * dim));
        this.inProjWeight = parameter("in_proj_weight", Tensor.uniform(seed, -bound, bound, 3 * dim, dim));
        this.inProjBias = parameter("in_proj_bias", Tensor.zeros(3 * dim));
        this.outProj = child("out_proj", new Linear(dim, dim, true, seed + 1));
        outProj.bias().setValue(Tensor.zeros(dim));
        this.dim = dim;
        this.heads = heads;
    }

    /** query [B, L, E], key and value [B, S, E] → [B, L, E]. */
    public Variable forward(Variable query, Variable key, Variable value) {
        Variable q = heads(project(query, 0));
        Variable k = heads(project(key, 1));
        Variable v = heads(project(value, 2));
        Variable out = PrescaledAttention.attend(q, k, v);                       // [B, H, L, hd]
        int b = out.dim(0), l = out.dim(2);
        return outProj.forward(Views.reshape(Views.transpose(out, 1, 2), b, l, dim));
    }

    /** x·W_partᵀ + b_part with part 0 = q, 1 = k, 2 = v (row blocks of the packed projection). */
    private Variable project(Variable x, int part) {
        return Products.linear(x, Views.narrow(inProjWeight, 0, part * dim, dim), Views.narrow(inProjBias, 0, part * dim, dim));
    }

    /** [B, S, E] → [B, H, S, hd]. */
    private Variable heads(Variable x) {
        return Views.transpose(Views.reshape(x, x.dim(0), x.dim(1), heads, dim / heads), 1, 2);
    }
}
