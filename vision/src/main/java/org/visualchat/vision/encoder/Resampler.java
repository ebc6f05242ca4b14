package org.visualchat.vision.encoder;

import org.visualchat.autograd.Arith;
import org.visualchat.autograd.Variable;
import org.visualchat.autograd.Views;
import org.visualchat.nn.LayerNorm;
import org.visualchat.nn.Linear;
import org.visualchat.nn.Module;
import org.visualchat.tensor.Tensor;

/**
 * QWen-VL's {@code Resampler} ({@code attn_pool}): one cross-attention from a fixed set of learned
 * queries onto the patch tokens (reference §1.2.1 step 5).
 * <pre>
 *   kv  = ln_kv(kv_proj(x))                                  [B, N, E]   (kv_proj: no bias)
 *   out = attn(query = ln_q(query) + pos_embed,              [Q, E]
 *              key   = kv + resize(pos_embed → patch grid),
 *              value = kv)                                   [B, Q, E]
 * </pre>
 * {@code pos_embed} is the MAE 2-D sin-cos table of the query grid; QWen stores it as a parameter with
 * {@code requires_grad=False}, so it is loaded from the checkpoint and never trained.
 */
final class Resampler extends Module {
    static final String POS_EMBED = "pos_embed";
    private final Variable posEmbed;
    private final Variable query;
    private final Linear kvProj;
    private final TorchMultiheadAttention attn;
    private final LayerNorm lnQ;
    private final LayerNorm lnKv;
    private final int grid;

    Resampler(QwenVisionConfig c, long seed) {
        int e = c.outputDim();
        this.grid = c.queryGrid();
        this.posEmbed = parameter(POS_EMBED, SinCos2d.table(e, grid));
        // trunc_normal_(std=0.02) truncates at ±2 (absolute), i.e. at 100σ: a plain normal in practice.
        this.query = parameter("query", Tensor.randn(seed, 0.02f, grid * grid, e));
        // QWen uses nn.Identity when the trunk is already as wide as the output.
        this.kvProj = c.width() == e ? null : child("kv_proj", new Linear(c.width(), e, false, seed + 1));
        this.attn = child("attn", new TorchMultiheadAttention(e, c.poolHeads(), seed + 2));
        this.lnQ = child("ln_q", new LayerNorm(e, QwenVisionConfig.LN_EPS));
        this.lnKv = child("ln_kv", new LayerNorm(e, QwenVisionConfig.LN_EPS));
    }

    /** x [B, gh·gw, W] → [B, queries, E]. */
    Variable forward(Variable x, int gh, int gw) {
        Variable kv = lnKv.forward(kvProj == null ? x : kvProj.forward(x));
        Variable keyPos = PositionInterpolation.resize(posEmbed, grid, grid, gh, gw);
        Variable q = Arith.add(lnQ.forward(query), posEmbed);                     // the same for every image
        int b = x.dim(0);
        Variable qb = Views.expand(Views.unsqueeze(q, 0), b, q.dim(0), q.dim(1));
        return attn.forward(qb, Arith.add(kv, keyPos), kv);
    }
}
