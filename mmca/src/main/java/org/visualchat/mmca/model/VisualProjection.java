package org.visualchat.mmca.model;

import org.visualchat.autograd.Variable;
import org.visualchat.nn.Module;
import org.visualchat.vision.encoder.QwenVisionEncoder;
import org.visualchat.vision.encoder.VisionEncoder;

/**
 * The trainable map from vision features [N, P, D_vis] to language-model embeddings [N, P', H]
 * (reference §1.3). Registered under the name {@code projection}, so parameter names match the
 * original's state dict ({@code projection.0.weight}, {@code projection.query}, ...).
 */
public abstract class VisualProjection extends Module {
    /** features [N, P, D_vis] → [N, {@link #outputTokens}(P), H]. */
    public abstract Variable forward(Variable features);

    /** P' for P input tokens (P for baseline and vit, 256 for perceiver). */
    public abstract int outputTokens(int inputTokens);

    /**
     * The reference's {@code --vis_proj} ({@code baseline}, {@code vit}, {@code perceiver}) for an
     * encoder and a language-model width. Like the original's main.py, a QWen tower (which already
     * ends in a resampler and has no CLS token) only takes {@code baseline}.
     */
    public static VisualProjection create(String kind, VisionEncoder encoder, int lmDim, long seed) {
        if (!kind.equals("baseline") && encoder instanceof QwenVisionEncoder) {
            throw new IllegalArgumentException("vis_proj '" + kind + "' cannot follow the QWen vision tower: use baseline (reference main.py asserts this)");
        }
        return switch (kind) {
            case "baseline" -> new BaselineProjection(encoder.outputDim(), lmDim, seed);
            case "vit" -> new VitProjection(encoder.projectionConfig(), lmDim, seed);
            case "perceiver" -> new PerceiverProjection(encoder.outputDim(), lmDim, seed);
            default -> throw new IllegalArgumentException("unknown vis_proj '" + kind + "' (expected baseline, vit or perceiver)");
        };
    }
}
