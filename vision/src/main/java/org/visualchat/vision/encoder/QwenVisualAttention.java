package org.visualchat.vision.encoder;

import org.visualchat.autograd.Variable;
import org.visualchat.autograd.Views;
import org.visualchat.nn.Linear;
import org.visualchat.nn.Module;

/**
 * QWen-VL's {@code VisualAttention}: one fused {@code in_proj} Linear(W → 3W) whose output is viewed
 * per head as [q_h | k_h | v_h] (each head_dim wide) — head-interleaved, not [Q | K | V] — then
 * softmax(q·kᵀ/√head_dim)·v without a mask ({@link PrescaledAttention}) and {@code out_proj}. The split is a view of the one GEMM's
 * output, so the checkpoint's fused weight is used as stored.
 */
final class QwenVisualAttention extends Module {
    private final Linear inProj;
    private final Linear outProj;
    private final int heads;

    QwenVisualAttention(int width, int heads, long seed) {
        this.inProj = child("in_proj", new Linear(width, 3 * width, true, seed));
        this.outProj = child("out_proj", new Linear(width, width, true, seed + 1));
        this.heads = heads;
    }

    /** x [B, S, W] → [B, S, W]. */
    Variable forward(Variable x) {
        int b = x.dim(0), s = x.dim(1), w = x.dim(2), hd = w / heads;
        Variable mixed = Views.reshape(inProj.forward(x), b, s, heads, 3 * hd);     // [B, S, H, 3·hd]
        Variable q = Views.transpose(Views.narrow(mixed, 3, 0, hd), 1, 2);           // [B, H, S, hd]
        Variable k = Views.transpose(Views.narrow(mixed, 3, hd, hd), 1, 2);
        Variable v = Views.transpose(Views.narrow(mixed, 3, 2 * hd, hd), 1, 2);
        Variable out = PrescaledAttention.attend(q, k, v);
        return outProj.forward(Views.reshape(Views.transpose(out, 1, 2), b, s, w));
    }
}
