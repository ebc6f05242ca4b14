package org.visualchat.llama.model;

import org.visualchat.autograd.Arith;
import org.visualchat.autograd.Lookups;
import org.visualchat.autograd.Variable;
import org.visualchat.autograd.Views;
import org.visualchat.nn.AttentionPolicy;
import org.visualchat.nn.Module;
import org.visualchat.tensor.Tensor;
import org.visualchat.tensor.ops.Elementwise;
import org.visualchat.tensor.ops.Rope;

import java.util.function.UnaryOperator;

/** One pre-norm decoder block: x + attn(norm(x)), then x + mlp(norm(x)) (HF LlamaDecoderLayer). */
public final class LlamaLayer extends Module {
    private final LlamaRmsNorm inputNorm;
    private final LlamaAttention attention;
    private final LlamaRmsNorm postAttentionNorm;
    private final LlamaMlp mlp;

    LlamaLayer(LlamaConfig config, Rope.Layout ropeLayout, int index, Weights weights) {
        String prefix = "model.layers." + index + ".";
        int d = config.hiddenSize();
        this.attention = child("self_attn", new LlamaAttention(config, ropeLayout, prefix + "self_attn.", weights));
        this.mlp = child("mlp", new LlamaMlp(config, prefix + "mlp.", weights));
        this.inputNorm = child("input_layernorm", new LlamaRmsNorm(weights.tensor(prefix + "input_layernorm.weight", d), config.rmsNormEps()));
        this.postAttentionNorm = child("post_attention_layernorm", new LlamaRmsNorm(weights.tensor(prefix + "post_attention_layernorm.weight", d), config.rmsNormEps()));
    }

    public Variable forward(Variable x, Tensor positions, AttentionPolicy policy) {
        Variable h = Arith.add(x, attention.forward(inputNorm.forward(x), positions, policy));
        return Arith.add(h, mlp.forward(postAttentionNorm.forward(h)));
    }

    /**
     * {@link #forward} at the rows {@code rows} of the flattened [B·S] positions only, [rows, d]: the attention half
     * runs for every position (all of them are its keys), the feed-forward half for those rows alone.
     */
    public Variable forwardAt(Variable x, Tensor positions, AttentionPolicy policy, Tensor rows) {
        Variable h = Arith.add(x, attention.forward(inputNorm.forward(x), positions, policy));
        Variable kept = Lookups.embedding(Views.reshape(h, h.dim(0) * h.dim(1), h.dim(2)), rows);
        return Arith.add(kept, mlp.forward(postAttentionNorm.forward(kept)));
    }

    /** Inference path: updates x [B, S, d] (F32, owned by the caller) in place. */
    void infer(Tensor x, Tensor positions, KvCache cache, int layer, AttentionPolicy policy) {
        residual(x, h -> attention.infer(h, positions, cache, layer, policy), mlp::infer);
    }

    /** Decode step of B independent sequences, x [B, 1, d], each with its own cache (see {@link LlamaModel#inferEach}). */
    void inferEach(Tensor x, KvCache[] caches, int layer, AttentionPolicy[] policies) {
        residual(x, h -> attention.inferEach(h, caches, layer, policies), h -> mlp.infer(h, true));
    }

    private void residual(Tensor x, UnaryOperator<Tensor> attend, UnaryOperator<Tensor> feedForward) {
        Elementwise.addInto(x, attend.apply(inputNorm.apply(x)));
        Elementwise.addInto(x, feedForward.apply(postAttentionNorm.apply(x)));
    }

    public LlamaAttention attention() { return attention; }

    public LlamaMlp mlp() { return mlp; }
}
