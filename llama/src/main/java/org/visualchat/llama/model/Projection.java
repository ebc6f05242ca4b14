package org.visualchat.llama.model;

import org.visualchat.autograd.Products;
import org.visualchat.autograd.Variable;
import org.visualchat.nn.Module;
import org.visualchat.tensor.Tensor;

/**
 * A bias-free linear layer, y = x·Wᵀ, whose {@code weight} [out, in] comes from a checkpoint in its
 * stored dtype (F32/F16/BF16 or Q8_0/Q4_0, memory-mapped) rather than from random initialisation.
 */
public final class Projection extends Module {
    private final Variable weight;

    Projection(Variable weight) {
        this.weight = parameter("weight", weight);
    }

    /** Training path: recorded on the tape (gradients reach x; W only if it was unfrozen and not quantized). */
    public Variable forward(Variable x) {
        return Products.linear(x, weight, null);
    }

    /** The weight tensor as stored. */
    public Tensor weight() { return weight.value(); }

    public int outFeatures() { return weight.dim(0); }

    public int inFeatures() { return weight.dim(1); }
}
