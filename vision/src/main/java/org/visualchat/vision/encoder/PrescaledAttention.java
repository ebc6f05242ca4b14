package org.visualchat.vision.encoder;

import org.visualchat.autograd.Arith;
import org.visualchat.autograd.Normalization;
import org.visualchat.autograd.Products;
import org.visualchat.autograd.Variable;
import org.visualchat.autograd.Views;
import org.visualchat.nn.AttentionPolicy;

/**
 * Unmasked attention softmax((q·d^−½)·kᵀ)·v for q [B, H, S, D], k and v [B, H, T, D] (as many key as
 * query heads), scaling q before the product as HF CLIP ({@code q_proj(x) * scale}), QWen-VL
 * ({@code q / norm_factor}) and {@code nn.MultiheadAttention} do. Mathematically the same as
 * {@link AttentionPolicy#full()}, but the H×S×T score tensor — 64 MiB per image and layer at QWen's 1024
 * tokens — is produced once instead of being rescaled in a second full pass.
 */
final class PrescaledAttention {
    static final AttentionPolicy POLICY = PrescaledAttention::attend;

    private PrescaledAttention() {}

    static Variable attend(Variable q, Variable k, Variable v) {
        Variable scaled = Arith.mul(q, (float) (1 / Math.sqrt(q.dim(-1))));
        return Products.matmul(Normalization.softmax(Products.matmul(scaled, Views.transpose(k, -1, -2))), v);
    }
}
