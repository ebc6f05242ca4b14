package org.visualchat.mmca.model;

import org.visualchat.autograd.Variable;
import org.visualchat.vision.encoder.ClipEncoderLayer;
import org.visualchat.vision.encoder.ClipVisionConfig;

/**
 * The reference's {@code VisProjection_vit} (reference §1.3.2): one freshly initialised HF
 * {@code CLIPEncoderLayer} of the vision config ({@code vis_layer}) followed by the baseline
 * Linear + LayerNorm ({@code projection.0}, {@code projection.1}). Token count unchanged.
 */
public final class VitProjection extends VisualProjection {
    private final ClipEncoderLayer layer;
    private final BaselineProjection head;

    public VitProjection(ClipVisionConfig visionConfig, int lmDim, long seed) {
        this.layer = child("vis_layer", new ClipEncoderLayer(visionConfig, seed));
        this.head = child("projection", new BaselineProjection(visionConfig.hiddenSize(), lmDim, seed + 1));
    }

    @Override
    public Variable forward(Variable features) {
        return head.forward(layer.forward(features));
    }

    @Override
    public int outputTokens(int inputTokens) {
        return inputTokens;
    }
}
