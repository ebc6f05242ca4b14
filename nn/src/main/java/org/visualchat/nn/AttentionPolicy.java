package org.visualchat.nn;

import org.visualchat.autograd.Normalization;
import org.visualchat.autograd.Variable;
import org.visualchat.tensor.Tensor;

/**
 * How attention turns projected heads into outputs: q [B, H, S, D], k and v [B, Hkv, T, D] (H a
 * multiple of Hkv: grouped KV heads) → [B, H, S, D]. The standard policies are scaled dot-product
 * attention with a causal, full, or caller-given additive mask; a model with its own rule (MMCA's two
 * softmaxes) implements this interface with the building blocks in {@link Attention}.
 */
@FunctionalInterface
public interface AttentionPolicy {
    Variable attend(Variable q, Variable k, Variable v);

    /** Each query sees keys up to its own position (the last S of T keys are the queries' own). */
    static AttentionPolicy causal() {
        return (q, k, v) -> masked(Attention.causalMask(q.dim(-2), k.dim(-2))).attend(q, k, v);
    }

    /** Every query sees every key (vision encoders). */
    static AttentionPolicy full() {
        return (q, k, v) -> Attention.mix(Normalization.softmax(Attention.scores(q, k)), v);
    }

    /** softmax(q·kᵀ/√D + mask)·v with an additive mask broadcast to [B, H, S, T] (0 keep, −∞ drop). */
    static AttentionPolicy masked(Tensor additiveMask) {
        return (q, k, v) -> Attention.mix(Normalization.softmax(Attention.scores(q, k), additiveMask), v);
    }
}
