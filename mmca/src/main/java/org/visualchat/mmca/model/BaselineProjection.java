package org.visualchat.mmca.model;

import org.visualchat.autograd.Variable;
import org.visualchat.nn.LayerNorm;
import org.visualchat.nn.Linear;

/**
 * {@code nn.Sequential(nn.Linear(D_vis, H), nn.LayerNorm(H, eps=1e-12))} with PyTorch's default
 * init (reference §1.3.1): the paper's "single linear layer". Names {@code 0.weight}, {@code 0.bias},
 * {@code 1.weight}, {@code 1.bias}.
 */
public final class BaselineProjection extends VisualProjection {
    /** The reference's LayerNorm epsilon (1e-12, BERT-style), not PyTorch's default 1e-5. */
    public static final float LAYER_NORM_EPS = 1e-12f;

    private final Linear linear;
    private final LayerNorm norm;

    public BaselineProjection(int visionDim, int lmDim, long seed) {
        this.linear = child("0", new Linear(visionDim, lmDim, true, seed));
        this.norm = child("1", new LayerNorm(lmDim, LAYER_NORM_EPS));
    }

    @Override
    public Variable forward(Variable features) {
        return norm.forward(linear.forward(features));
    }

    @Override
    public int outputTokens(int inputTokens) {
        return inputTokens;
    }
}
