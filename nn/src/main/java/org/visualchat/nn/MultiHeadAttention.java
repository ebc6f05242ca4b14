package org.visualchat.nn;

import org.visualchat.autograd.Positional;
import org.visualchat.autograd.Variable;
import org.visualchat.autograd.Views;
import org.visualchat.tensor.Tensor;
import org.visualchat.tensor.ops.Rope;

/**
 * Multi-head self-attention with grouped KV heads, optional RoPE and a pluggable {@link AttentionPolicy}
 * (causal by default). Parameter names follow Hugging Face: {@code q_proj}, {@code k_proj},
 * {@code v_proj} and the output projection ({@code o_proj} in LLaMA, {@code out_proj} in CLIP).
 *
 * <pre>{@code
 * var attn = new MultiHeadAttention(MultiHeadAttention.Config.llama(4096, 32, 8, 10000f), seed);
 * Variable y = attn.forward(x, positions);                      // causal
 * Variable z = attn.forward(x, positions, myPolicy);            // e.g. MMCA
 * }</pre>
 */
public final class MultiHeadAttention extends Module {
    /**
     * @param ropeTheta RoPE base, or 0 for no rotary embedding (CLIP uses learned absolute positions)
     */
    public record Config(int dim, int heads, int kvHeads, boolean qkvBias, boolean outBias, String outName,
                         float ropeTheta, Rope.Layout ropeLayout) {
        /** LLaMA: no biases, {@code o_proj}, HF rotate-half RoPE. */
        public static Config llama(int dim, int heads, int kvHeads, float ropeTheta) {
            return new Config(dim, heads, kvHeads, false, false, "o_proj", ropeTheta, Rope.Layout.HALF);
        }

        /** CLIP: biases everywhere, {@code out_proj}, no RoPE, as many KV heads as heads. */
        public static Config clip(int dim, int heads) {
            return new Config(dim, heads, heads, true, true, "out_proj", 0f, Rope.Layout.HALF);
        }
    }

    private final Config config;
    private final int headDim;
    private final Linear q;
    private final Linear k;
    private final Linear v;
    private final Linear o;
    private AttentionPolicy policy = AttentionPolicy.causal();

    public MultiHeadAttention(Config config, long seed) {
        if (config.dim % config.heads != 0) throw new IllegalArgumentException("dim " + config.dim + " is not a multiple of heads " + config.heads);
        if (config.heads % config.kvHeads != 0) throw new IllegalArgumentException("heads " + config.heads + " is not a multiple of kvHeads " + config.kvHeads);
        this.config = config;
        this.headDim = config.dim / config.heads;
        this.q = child("q_proj", new Linear(config.dim, config.heads * headDim, config.qkvBias, seed));
        this.k = child("k_proj", new Linear(config.dim, config.kvHeads * headDim, config.qkvBias, seed + 1));
        this.v = child("v_proj", new Linear(config.dim, config.kvHeads * headDim, config.qkvBias, seed + 2));
        this.o = child(config.outName, new Linear(config.heads * headDim, config.dim, config.outBias, seed + 3));
    }

    /** Sets the policy used when {@link #forward(Variable, Tensor)} is called without one. */
    public void setPolicy(AttentionPolicy policy) {
        this.policy = policy;
    }

    /** x [B, S, dim]; positions I32/I64 [S] or [B, S] (ignored without RoPE, may then be null). */
    public Variable forward(Variable x, Tensor positions) {
        return forward(x, positions, policy);
    }

    public Variable forward(Variable x, Tensor positions, AttentionPolicy attention) {
        int b = x.dim(0), s = x.dim(1);
        Variable qh = heads(q.forward(x), b, s, config.heads);
        Variable kh = heads(k.forward(x), b, s, config.kvHeads);
        Variable vh = heads(v.forward(x), b, s, config.kvHeads);
        if (config.ropeTheta > 0) {
            qh = Positional.rope(qh, positions, config.ropeTheta, config.ropeLayout);
            kh = Positional.rope(kh, positions, config.ropeTheta, config.ropeLayout);
        }
        Variable out = attention.attend(qh, kh, vh);                         // [B, H, S, D]
        return o.forward(Views.reshape(Views.transpose(out, 1, 2), b, s, config.heads * headDim));
    }

    /** [B, S, n·D] → [B, n, S, D] (a view). */
    private Variable heads(Variable x, int b, int s, int n) {
        return Views.transpose(Views.reshape(x, b, s, n, headDim), 1, 2);
    }
}
