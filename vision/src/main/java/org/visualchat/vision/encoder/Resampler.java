package org.visualchat.vision.encoder;

import org.visualchat.autograd.Arith;
import org.visualchat.autograd.Variable;
import org.visualchat.autograd.Views;
import org.visualchat.nn.LayerNorm;
import org.visualchat.nn.Linear;
import org.visualchat.nn.Module;
import org.visualchat.tensor.Tensor;

/**
 * One cross-attention from a fixed grid of learned queries onto image tokens: QWen-VL's
 * {@code Resampler} ({@code attn_pool}, reference §1.2.1 step 5) and the core of DeepSpeed-VisualChat's
 * perceiver projection (§1.3.3), which the original copied from it.
 * <pre>
 *   kv  = ln_kv(kv_proj(x))                                  [B, N, E]
 *   out = attn(query = ln_q(query) + pos_embed,              [Q, E]
 *              key   = kv + resize(pos_embed → token grid),
 *              value = kv)                                   [B, Q, E]
 * </pre>
 * {@code pos_embed} is the MAE 2-D sin-cos table of the query grid (QWen stores it with
 * {@code requires_grad=False}). Parameter names are both originals': {@code pos_embed}, {@code query},
 * {@code kv_proj}, {@code attn}, {@code ln_q}, {@code ln_kv}.
 */
public final class Resampler extends Module {
    static final String POS_EMBED = "pos_embed";
    private final Variable posEmbed;
    private final Variable query;
    private final Linear kvProj;
    private final TorchMultiheadAttention attn;
    private final LayerNorm lnQ;
    private final LayerNorm lnKv;
    private final int grid;

    /**
     * {@code grid}² queries of width {@code dim} with {@code heads} attention heads; {@code kvProj} maps
     * the tokens to {@code dim} (null: identity, as QWen when its trunk is already that wide);
     * {@code eps} of both LayerNorms.
     */
    public Resampler(int dim, int heads, int grid, Linear kvProj, float eps, long seed) {
        this.grid = grid;
        this.posEmbed = parameter(POS_EMBED, SinCos2d.table(dim, grid));
        // trunc_normal_(std=0.02) truncates at ±2 (absolute), i.e. at 100σ: a plain normal in practice.
        this.query = parameter("query", Tensor.randn(seed, 0.02f, grid * grid, dim));
        this.kvProj = kvProj == null ? null : child("kv_proj", kvProj);
        this.attn = child("attn", new TorchMultiheadAttention(dim, heads, seed + 2));
        this.lnQ = child("ln_q", new LayerNorm(dim, eps));
        this.lnKv = child("ln_kv", new LayerNorm(dim, eps));
    }

    /** QWen-VL's {@code attn_pool}: kv_proj without bias, and none when the trunk is as wide as the output. */
    static Resampler qwen(QwenVisionConfig c, long seed) {
        int e = c.outputDim();
        Linear kv = c.width() == e ? null : new Linear(c.width(), e, false, seed + 1);
        return new Resampler(e, c.poolHeads(), c.queryGrid(), kv, QwenVisionConfig.LN_EPS, seed);
    }

    /** x [B, gh·gw, W] (tokens of a gh × gw grid) → [B, grid², E]. */
    public Variable forward(Variable x, int gh, int gw) {
        Variable kv = lnKv.forward(kvProj == null ? x : kvProj.forward(x));
        Variable keyPos = PositionInterpolation.resize(posEmbed, grid, grid, gh, gw);
        Variable q = Arith.add(lnQ.forward(query), posEmbed);                     // the same for every image
        int b = x.dim(0);
        Variable qb = Views.expand(Views.unsqueeze(q, 0), b, q.dim(0), q.dim(1));
        return attn.forward(qb, Arith.add(kv, keyPos), kv);
    }

    /** Output tokens per image: grid². */
    public int queries() { return grid * grid; }
}
