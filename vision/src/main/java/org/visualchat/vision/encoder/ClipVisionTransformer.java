package org.visualchat.vision.encoder;

import org.visualchat.autograd.Variable;
import org.visualchat.autograd.Views;
import org.visualchat.nn.LayerNorm;
import org.visualchat.nn.Module;

/**
 * HF {@code CLIPVisionTransformer} (the {@code vision_model} of a CLIP checkpoint): embeddings →
 * {@code pre_layrnorm} (HF's spelling) → {@code encoder.layers.N} → {@code last_hidden_state}.
 * {@code post_layernorm} only makes the pooled output from the CLS token; DeepSpeed-VisualChat does not
 * use it (reference §1.2.2), so {@link #forward} returns the encoder output without it.
 */
final class ClipVisionTransformer extends Module {
    private final ClipEmbeddings embeddings;
    private final LayerNorm preLayrnorm;
    private final LayerStack<ClipEncoderLayer> encoder;
    private final LayerNorm postLayernorm;

    ClipVisionTransformer(ClipVisionConfig c, long seed) {
        this.embeddings = child("embeddings", new ClipEmbeddings(c, seed));
        this.preLayrnorm = child("pre_layrnorm", new LayerNorm(c.hiddenSize(), c.layerNormEps()));
        this.encoder = child("encoder", new LayerStack<>("layers", c.layers(), i -> new ClipEncoderLayer(c, seed + 100L * (i + 1))));
        this.postLayernorm = child("post_layernorm", new LayerNorm(c.hiddenSize(), c.layerNormEps()));
    }

    /** pixels [B, C, H, W] → last_hidden_state [B, 1 + gh·gw, D]. */
    Variable forward(Variable pixels, int gh, int gw) {
        Variable x = preLayrnorm.forward(embeddings.forward(pixels, gh, gw));
        for (ClipEncoderLayer layer : encoder.blocks()) x = layer.forward(x);
        return x;
    }

    /** HF {@code pooler_output}: post_layernorm(last_hidden_state[:, 0]) → [B, D]. */
    Variable pool(Variable lastHiddenState) {
        return postLayernorm.forward(Views.select(lastHiddenState, 1, 0));
    }
}
