package org.visualchat.nn;

import org.visualchat.autograd.Arith;
import org.visualchat.autograd.Products;
import org.visualchat.autograd.Variable;
import org.visualchat.autograd.Views;
import org.visualchat.tensor.Tensor;

/**
 * Building blocks of scaled dot-product attention with grouped KV heads. Grouping is done by
 * broadcasting, not by copying K/V: q [B, H, S, D] is viewed as [B, Hkv, H/Hkv, S, D] against
 * k [B, Hkv, 1, T, D], so each KV head serves its H/Hkv query heads (and collects their gradients).
 */
public final class Attention {
    private Attention() {}

    /** q·kᵀ/√D → [B, H, S, T]. */
    public static Variable scores(Variable q, Variable k) {
        int b = q.dim(0), h = q.dim(1), s = q.dim(2), d = q.dim(3), hkv = k.dim(1), t = k.dim(2);
        Variable qg = Views.reshape(q, b, hkv, groups(h, hkv), s, d);
        Variable kg = Views.unsqueeze(k, 2);
        Variable raw = Products.matmul(qg, Views.transpose(kg, -1, -2));
        return Arith.mul(Views.reshape(raw, b, h, s, t), (float) (1 / Math.sqrt(d)));
    }

    /** Attention weights [B, H, S, T] applied to v [B, Hkv, T, D] → [B, H, S, D]. */
    public static Variable mix(Variable probs, Variable v) {
        int b = probs.dim(0), h = probs.dim(1), s = probs.dim(2), t = probs.dim(3), hkv = v.dim(1), d = v.dim(3);
        Variable pg = Views.reshape(probs, b, hkv, groups(h, hkv), s, t);
        Variable out = Products.matmul(pg, Views.unsqueeze(v, 2));
        return Views.reshape(out, b, h, s, d);
    }

    /** Additive causal mask [S, T]: query i (absolute position T − S + i) sees keys 0 ..= T − S + i. */
    public static Tensor causalMask(int s, int t) {
        if (t < s) throw new IllegalArgumentException("causal mask needs at least as many keys (" + t + ") as queries (" + s + ")");
        float[] m = new float[s * t];
        for (int i = 0; i < s; i++) {
            for (int j = t - s + i + 1; j < t; j++) m[i * t + j] = Float.NEGATIVE_INFINITY;
        }
        return Tensor.of(m, s, t);
    }

    private static int groups(int heads, int kvHeads) {
        if (heads % kvHeads != 0) throw new IllegalArgumentException(heads + " query heads are not a multiple of " + kvHeads + " KV heads");
        return heads / kvHeads;
    }
}
