package org.visualchat.mmca.model;

import org.visualchat.autograd.Variable;
import org.visualchat.autograd.Views;
import org.visualchat.nn.LayerNorm;
import org.visualchat.nn.Linear;
import org.visualchat.nn.Module;
import org.visualchat.nn.NamePattern;
import org.visualchat.tensor.Tensor;
import org.visualchat.vision.encoder.Resampler;

import java.util.Arrays;

/**
 * The reference's {@code VisProjection_perceiver} (reference §1.3.3): QWen-VL's {@link Resampler} (which the
 * original copied) with 256 learned queries (a 16×16 grid) and H/128 heads, cross-attending to the image
 * tokens without their first (CLS) token — keys carry the MAE 2-D sin-cos table resized bicubically to
 * √P (P counting the CLS token, as the original's {@code get_abs_pos}) — then LayerNorm + Linear. Always
 * 256 output tokens.
 *
 * <p>Names as the original: the resampler's parts at the top level ({@code pos_embed} (frozen),
 * {@code query}, {@code kv_proj} (with bias), {@code attn}, {@code ln_q}, {@code ln_kv}), then
 * {@code projection.0} (LayerNorm) and {@code projection.1} (Linear). Init as its {@code _init_weights}:
 * every Linear (the attention's out-projection too) N(0, 0.02) with zero bias — torch's trunc_normal_
 * cuts at ±2 absolute, i.e. 100σ, so it is a plain normal here — the query N(0, 0.02), LayerNorms
 * (1, 0), and the packed in-projection keeps PyTorch's xavier-uniform.
 */
public final class PerceiverProjection extends VisualProjection {
    static final int GRID = 16;
    static final int HEAD_DIM = 128;

    private final Resampler resampler;
    private final LayerNorm outNorm;
    private final Linear outLinear;

    public PerceiverProjection(int visionDim, int lmDim, long seed) {
        this(visionDim, lmDim, lmDim / HEAD_DIM, seed);
    }

    /** With an explicit head count (the original always uses H/128; tests use small H). */
    PerceiverProjection(int visionDim, int lmDim, int heads, long seed) {
        if (heads < 1 || lmDim % heads != 0) {
            throw new IllegalArgumentException("the perceiver projection has H/" + HEAD_DIM + " attention heads (reference), so it needs a language model width H >= "
                    + HEAD_DIM + " divisible by its heads; got H " + lmDim + " and " + heads + " heads");
        }
        Linear kvProj = normalInit(new Linear(visionDim, lmDim, true, seed + 1), seed + 2);
        this.resampler = new Resampler(lmDim, heads, GRID, kvProj, BaselineProjection.LAYER_NORM_EPS, seed);
        adopt(resampler);
        normalInit(namedParameters().get("attn.out_proj.weight"), namedParameters().get("attn.out_proj.bias"), seed + 4);
        var head = child("projection", new PerceiverHead(lmDim, seed + 5));
        this.outNorm = head.norm;
        this.outLinear = head.linear;
        freeze(NamePattern.glob("pos_embed"));
    }

    /** {@code projection = Sequential(LayerNorm, Linear)}: children named 0 and 1. */
    static final class PerceiverHead extends Module {
        final LayerNorm norm;
        final Linear linear;

        PerceiverHead(int dim, long seed) {
            this.norm = child("0", new LayerNorm(dim, BaselineProjection.LAYER_NORM_EPS));
            this.linear = child("1", normalInit(new Linear(dim, dim, true, seed), seed + 1));
        }
    }

    private static Linear normalInit(Linear l, long seed) {
        normalInit(l.weight(), l.bias(), seed);
        return l;
    }

    private static void normalInit(Variable weight, Variable bias, long seed) {
        weight.setValue(Tensor.randn(seed, 0.02f, weight.shape()));
        bias.setValue(Tensor.zeros(bias.shape()));
    }

    @Override
    public Variable forward(Variable features) {
        int p = features.dim(1), side = (int) Math.sqrt(p);
        if (p - 1 != side * side) {
            throw new IllegalArgumentException("perceiver projection expects CLS + a square grid of tokens, got " + p + " tokens "
                    + Arrays.toString(features.shape()) + " (the QWen tower has no CLS token: use the baseline projection)");
        }
        Variable pooled = resampler.forward(Views.narrow(features, 1, 1, p - 1), side, side);      // CLS dropped
        return outLinear.forward(outNorm.forward(pooled));
    }

    @Override
    public int outputTokens(int inputTokens) {
        return resampler.queries();
    }
}
