package org.visualchat.nn;

import org.visualchat.autograd.Arith;
import org.visualchat.autograd.Products;
import org.visualchat.autograd.Variable;
import org.visualchat.tensor.Tensor;

/**
 * y = x·Wᵀ + b with W [out, in] ({@code weight}) and optional b [out] ({@code bias}), initialised like
 * PyTorch's nn.Linear: U(−1/√in, 1/√in) for both. May carry a {@link LoraAdapter} (see {@link Lora}),
 * whose parameters then appear as {@code lora_right_weight} and {@code lora_left_weight}.
 */
public class Linear extends Module {
    private final Variable weight;
    private final Variable bias;
    private LoraAdapter lora;

    public Linear(int in, int out, boolean bias, long seed) {
        float bound = (float) (1 / Math.sqrt(in));
        this.weight = parameter("weight", Tensor.uniform(seed, -bound, bound, out, in));
        this.bias = bias ? parameter("bias", Tensor.uniform(seed ^ 0x5DEECE66DL, -bound, bound, out)) : null;
    }

    public Variable forward(Variable x) {
        Variable y = Products.linear(x, weight, bias);
        return lora == null || lora.isMerged() ? y : Arith.add(y, lora.forward(x));
    }

    public Variable weight() { return weight; }

    /** The bias, or null. */
    public Variable bias() { return bias; }

    public int inFeatures() { return weight.dim(1); }

    public int outFeatures() { return weight.dim(0); }

    /** The attached LoRA adapter, or null. */
    public LoraAdapter lora() { return lora; }

    void attachLora(LoraAdapter adapter) {
        if (lora != null) throw new IllegalStateException("this Linear already has a LoRA adapter");
        lora = adapter;
        parameter("lora_right_weight", adapter.right());
        parameter("lora_left_weight", adapter.left());
    }
}
