package org.visualchat.llama.model;

import org.visualchat.nn.Module;
import org.visualchat.nn.ModuleList;
import org.visualchat.tensor.Tensor;
import org.visualchat.tensor.ops.Rope;

/** HF {@code LlamaModel} (the {@code model.} prefix): {@code embed_tokens}, {@code layers.N}, {@code norm}. */
public final class LlamaBackbone extends Module {
    private final TokenEmbedding embedTokens;
    private final ModuleList<LlamaLayer> layers;
    private final LlamaRmsNorm norm;

    LlamaBackbone(LlamaConfig config, Rope.Layout ropeLayout, Weights weights) {
        Tensor table = weights.tensor("model.embed_tokens.weight", config.vocabSize(), config.hiddenSize());
        this.embedTokens = child("embed_tokens", new TokenEmbedding(table));
        this.layers = child("layers", new ModuleList<>(config.layers(), i -> new LlamaLayer(config, ropeLayout, i, weights)));
        this.norm = child("norm", new LlamaRmsNorm(weights.tensor("model.norm.weight", config.hiddenSize()), config.rmsNormEps()));
    }

    public TokenEmbedding embedTokens() { return embedTokens; }

    public LlamaLayer layer(int i) { return layers.get(i); }

    public int layerCount() { return layers.size(); }

    public LlamaRmsNorm norm() { return norm; }
}
