package org.visualchat.llama.model;

import org.visualchat.nn.Attention;
import org.visualchat.tensor.Tensor;
import org.visualchat.tensor.ops.Elementwise;
import org.visualchat.tensor.ops.MatMul;
import org.visualchat.tensor.ops.Softmax;

/**
 * The default inference attention: causal softmax(q·kᵀ/√D)·v over the KV cache, on plain tensors (no
 * tape, no policy indirection). Grouped KV heads are served by viewing q [B, H, S, D] as
 * [B, Hkv, (H/Hkv)·S, D], so each cached key row is read once per group and never copied; the S
 * queries sit at the last S of the T key positions, so for one query (decode) no mask is needed.
 */
final class CausalAttention {
    private CausalAttention() {}

    /** q [B, H, S, D] contiguous F32; k, v [B, Hkv, T, D] (any float dtype, any strides) → [B, H, S, D]. */
    static Tensor attend(Tensor q, Tensor k, Tensor v) {
        int b = q.dim(0), h = q.dim(1), s = q.dim(2), d = q.dim(3), hkv = k.dim(1), t = k.dim(2), groups = h / hkv;
        // Scaling q (S·D values) instead of the scores (S·T values); same product up to rounding.
        Tensor qg = Elementwise.mul(q, (float) (1 / Math.sqrt(d))).reshape(b, hkv, groups * s, d);
        Tensor scores = MatMul.matmul(qg, k.transpose(-2, -1));                   // [B, Hkv, g·S, T]
        Tensor probs = s == 1 ? Softmax.softmax(scores)
                : Softmax.softmax(scores.reshape(b, hkv, groups, s, t), Attention.causalMask(s, t)).reshape(b, hkv, groups * s, t);
        return MatMul.matmul(probs, v).reshape(b, h, s, d);
    }
}
