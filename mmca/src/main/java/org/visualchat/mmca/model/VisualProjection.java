package org.visualchat.mmca.model;

import org.visualchat.autograd.Variable;
import org.visualchat.nn.Module;

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
}
