package org.visualchat.nn;

import org.visualchat.autograd.Arith;
import org.visualchat.autograd.Products;
import org.visualchat.autograd.Variable;
import org.visualchat.tensor.DType;
import org.visualchat.tensor.Tensor;
import org.visualchat.tensor.ops.Elementwise;
import org.visualchat.tensor.ops.MatMul;

/**
 * The low-rank update of one Linear, as DeepSpeed-Chat's {@code LinearLayer_LoRA} defines it
 * (reference §5.3): right factor A [in, r], left factor B [r, out], output contribution
 * (x·A·B)·(alpha/r). A starts Kaiming-uniform with a = √5, which for PyTorch's fan-in (dim 1 of the
 * [in, r] tensor, i.e. r) is U(−1/√r, 1/√r); B starts at zero so the adapter is initially a no-op.
 * Merging folds W += (alpha/r)·Bᵀ·Aᵀ into the base weight, rounded into its dtype (F16/BF16, or
 * re-quantized Q8_0/Q4_0 blocks); unmerging subtracts it again (exactly only for F32).
 */
public final class LoraAdapter {
    private final Linear base;
    private final Variable right;
    private final Variable left;
    private final float scaling;
    private boolean merged;

    LoraAdapter(Linear base, int rank, float alpha, long seed) {
        if (rank <= 0) throw new IllegalArgumentException("LoRA rank must be positive, got " + rank);
        this.base = base;
        float bound = (float) (1 / Math.sqrt(rank));
        this.right = Variable.parameter(Tensor.uniform(seed, -bound, bound, base.inFeatures(), rank));
        this.left = Variable.parameter(Tensor.zeros(rank, base.outFeatures()));
        this.scaling = alpha / rank;
    }

    Variable forward(Variable x) {
        return Arith.mul(Products.matmul(Products.matmul(x, right), left), scaling);
    }

    public Variable right() { return right; }

    public Variable left() { return left; }

    /** alpha / rank. */
    public float scaling() { return scaling; }

    public boolean isMerged() { return merged; }

    /** Folds the update into the base weight (in its own dtype); the adapter then stops contributing. */
    public void merge() {
        if (merged) throw new IllegalStateException("LoRA adapter is already merged");
        shiftBaseWeight(scaling);
        merged = true;
    }

    /** Takes the update back out of the base weight. */
    public void unmerge() {
        if (!merged) throw new IllegalStateException("LoRA adapter is not merged");
        shiftBaseWeight(-scaling);
        merged = false;
    }

    private void shiftBaseWeight(float scale) {
        Variable w = base.weight();
        // Bᵀ·Aᵀ = [out, r]·[r, in] = [out, in], the weight's layout.
        Tensor delta = Elementwise.mul(MatMul.matmul(left.value().transpose(0, 1), right.value().transpose(0, 1)), scale);
        DType dtype = w.value().dtype();
        // Quantized blocks have no element-wise arithmetic: dequantize, add, re-quantize (lossy).
        Tensor updated = Elementwise.add(dtype.isQuantized() ? w.value().to(DType.F32) : w.value(), delta);
        w.setValue(dtype == DType.F32 ? updated : updated.to(dtype));
    }
}
