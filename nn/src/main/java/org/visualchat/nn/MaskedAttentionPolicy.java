package org.visualchat.nn;

import org.visualchat.tensor.Tensor;

/**
 * An attention policy whose rule is a sum of masked softmaxes, out = Σ_b softmax(q·kᵀ/√D + M_b)·v, with
 * one additive mask M_b per branch: one branch is ordinary masked attention, two are MMCA's image and
 * text softmaxes (deepspeed-visualchat.md §2.2). Stating the rule as masks lets a backend with its own
 * attention kernels (OpenCL) run the policy; {@link #attend} stays the policy's own (CPU) implementation.
 *
 * <p>Mask values: 0 visible; −∞ hidden, and a branch row with every key hidden contributes zero; a
 * finite μ far below every score (the reference's {@code finfo(fp32).min}) makes a row without any
 * visible key the uniform average over its μ keys, since score + μ rounds to μ.
 */
public interface MaskedAttentionPolicy extends AttentionPolicy {
    /**
     * The branch masks for S queries over T keys, the queries being the last S of the keys (with a KV
     * cache: the new positions): one or two tensors [B, 1, S, T].
     */
    Tensor[] branchMasks(int queries, int keys);
}
