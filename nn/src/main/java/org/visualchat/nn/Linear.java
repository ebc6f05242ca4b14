package org.visualchat.nn;

import org.visualchat.autograd.Arith;
import org.visualchat.autograd.Products;
import org.visualchat.autograd.Variable;
import org.visualchat.tensor.Shapes;
import org.visualchat.tensor.Tensor;

/**
 * y = x·Wᵀ + b with W [out, in] ({@code weight}) and optional b [out] ({@code bias}). Built either
 * freshly, initialised like PyTorch's nn.Linear (U(−1/√in, 1/√in) for both), or around given weights —
 * a checkpoint's tensor in its stored dtype (F32/F16/BF16, or memory-mapped Q8_0/Q4_0 for inference),
 * which is how the LLaMA's projections are built, so one layer type (and one LoRA) serves every model.
 * May carry a {@link LoraAdapter} (see {@link Lora}), whose parameters then appear as
 * {@code lora_right_weight} and {@code lora_left_weight}.
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

    /** A layer over existing weights: {@code weight} [out, in] and {@code bias} [out] or null. */
    public Linear(Variable weight, Variable bias) {
        if (weight.shape().length != 2) throw new IllegalArgumentException("a Linear weight must be [out, in], got " + Shapes.toString(weight.shape()));
        if (bias != null && (bias.shape().length != 1 || bias.dim(0) != weight.dim(0))) {
            throw new IllegalArgumentException("a Linear bias must be [" + weight.dim(0) + "], got " + Shapes.toString(bias.shape()));
        }
        this.weight = parameter("weight", weight);
        this.bias = bias == null ? null : parameter("bias", bias);
    }

    public Variable forward(Variable x) {
        Variable y = Products.linear(x, weight, bias);
        return lora == null || lora.isMerged() ? y : Arith.add(y, lora.forward(x));
    }

    public Variable weight() { return weight; }

    /**
     * The weight as stored, for tape-free inference paths that multiply by it directly (fused
     * dequantize-dot kernels). Those paths would silently drop an unmerged LoRA update, so this refuses
     * while one is attached: merge it first ({@link Lora#merge}), as the reference fuses LoRA before
     * saving for chat and eval.
     */
    public Tensor inferenceWeight() {
        if (lora != null && !lora.isMerged()) {
            throw new IllegalStateException("this layer has an unmerged LoRA adapter, which the inference path does not apply: "
                    + "fuse the adapters first (Lora.merge) or run the training forward");
        }
        return weight.value();
    }

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
