package org.visualchat.llama.model;

import org.visualchat.autograd.NoGrad;
import org.visualchat.autograd.Variable;
import org.visualchat.nn.AttentionPolicy;
import org.visualchat.nn.Linear;
import org.visualchat.nn.Module;
import org.visualchat.nn.NamePattern;
import org.visualchat.tensor.DType;
import org.visualchat.tensor.Shapes;
import org.visualchat.tensor.Tensor;
import org.visualchat.tensor.ops.MatMul;
import org.visualchat.tensor.ops.Rope;

import java.util.stream.IntStream;

/**
 * HF {@code LlamaForCausalLM}: {@code model} ({@link LlamaBackbone}) + {@code lm_head}, parameter names
 * exactly as in a Hugging Face state dict. Two ways to run it on the same weights:
 * <ul>
 *   <li>{@link #forward(Variable, Tensor, AttentionPolicy)} — training path on the autograd tape; takes
 *       input EMBEDDINGS (so image features can be spliced in) and returns logits whose gradient
 *       reaches the embeddings. Weights are frozen after construction ({@link #unfreeze} to train them).</li>
 *   <li>{@link #infer} / {@link #inferLast} — inference: no tape, weights read in their stored dtype,
 *       keys/values appended to a {@link KvCache}; a prefill is one call with S tokens, each decode step
 *       one call with S = 1.</li>
 * </ul>
 * Attention is causal unless an {@link AttentionPolicy} is given; see llama/docs/llama.md for what a
 * policy receives when a KV cache is in use.
 *
 * <p>RoPE layout: HF checkpoints rotate (i, i + D/2) pairs ({@code Rope.Layout.HALF}); GGUF and Meta
 * checkpoints keep q/k rows in Meta's interleaved order and rotate (2i, 2i + 1) pairs
 * ({@code INTERLEAVED}). The model uses the layout of the weights it was built from instead of
 * permuting rows at load (which would copy every q/k matrix); attention outputs are identical
 * (formats.md §1.3), but q_proj/k_proj rows of an INTERLEAVED model are in Meta order.
 */
public final class LlamaModel extends Module {
    private final LlamaConfig config;
    private final Rope.Layout ropeLayout;
    private final LlamaBackbone model;
    private final Linear lmHead;

    public LlamaModel(LlamaConfig config, Rope.Layout ropeLayout, Weights weights) {
        this.config = config;
        this.ropeLayout = ropeLayout;
        this.model = child("model", new LlamaBackbone(config, ropeLayout, weights));
        this.lmHead = child("lm_head", config.tieWordEmbeddings()
                ? new Linear(model.embedTokens().weightVariable(), null)
                : projection(weights, "lm_head.weight", config.vocabSize(), config.hiddenSize()));
        freeze(NamePattern.glob("**"));
    }

    /** A model with {@link RandomWeights} (HF layout), matrices stored as {@code dtype}. */
    public static LlamaModel random(LlamaConfig config, long seed, DType dtype) {
        return new LlamaModel(config, Rope.Layout.HALF, new RandomWeights(seed, dtype));
    }

    static Linear projection(Weights weights, String name, int out, int in) {
        return new Linear(Variable.parameter(weights.tensor(name, out, in)), null);
    }

    public LlamaConfig config() { return config; }

    public Rope.Layout ropeLayout() { return ropeLayout; }

    public LlamaBackbone backbone() { return model; }

    public Linear lmHead() { return lmHead; }

    // ------------------------------------------------------------------ training path

    /** Token embeddings on the tape: ids I32/I64 [B, S] → [B, S, d]. */
    public Variable embed(Tensor ids) {
        return model.embedTokens().forward(ids);
    }

    /** Causal forward at positions 0..S−1: embeddings [B, S, d] → logits [B, S, vocab]. */
    public Variable forward(Variable inputEmbeds) {
        return forward(inputEmbeds, positions(0, inputEmbeds.dim(1)), AttentionPolicy.causal());
    }

    /**
     * Embeddings [B, S, d] at {@code positions} (I32/I64 [S] or [B, S]) → logits [B, S, vocab], with
     * {@code policy} deciding every layer's attention (q [B, H, S, D], k/v [B, Hkv, S, D] after RoPE).
     */
    public Variable forward(Variable inputEmbeds, Tensor positions, AttentionPolicy policy) {
        checkEmbeds(inputEmbeds.shape());
        Variable x = inputEmbeds;
        for (int i = 0; i < model.layerCount(); i++) x = model.layer(i).forward(x, positions, policy);
        return lmHead.forward(model.norm().forward(x));
    }

    // ------------------------------------------------------------------ inference path

    /** A KV cache for this model: {@code batch} sequences of up to {@code capacity} positions, F32 or BF16. */
    public KvCache newCache(int batch, int capacity, DType dtype) {
        return new KvCache(config, batch, capacity, dtype);
    }

    /** Token embeddings without the tape: ids [B, S] → F32 [B, S, d]. */
    public Tensor embedTokens(Tensor ids) {
        return model.embedTokens().lookup(ids);
    }

    /**
     * Runs S new positions per sequence (embeddings [B, S, d], any float dtype) after the
     * {@code cache.length()} already cached, appends their keys/values, and returns the logits of all S
     * positions, F32 [B, S, vocab]. {@code policy} null is the fast causal path.
     */
    public Tensor infer(Tensor inputEmbeds, KvCache cache, AttentionPolicy policy) {
        return run(inputEmbeds, cache, policy, false);
    }

    /** As {@link #infer}, but only the last position's logits, F32 [B, vocab] (what generation needs). */
    public Tensor inferLast(Tensor inputEmbeds, KvCache cache, AttentionPolicy policy) {
        Tensor logits = run(inputEmbeds, cache, policy, true);
        return logits.reshape(logits.dim(0), logits.dim(2));
    }

    private Tensor run(Tensor inputEmbeds, KvCache cache, AttentionPolicy policy, boolean lastOnly) {
        checkEmbeds(inputEmbeds.shape());
        int b = inputEmbeds.dim(0), s = inputEmbeds.dim(1);
        cache.reserve(b, s);
        try (NoGrad ignored = NoGrad.enter()) {
            Tensor x = inputEmbeds.to(DType.F32);                                     // residual stream, ours to update
            Tensor positions = positions(cache.length(), s);
            for (int i = 0; i < model.layerCount(); i++) model.layer(i).infer(x, positions, cache, i, policy);
            cache.advance(s);
            Tensor last = lastOnly ? x.narrow(1, s - 1, 1) : x;
            return MatMul.linear(model.norm().apply(last), lmHead.inferenceWeight());
        }
    }

    /** I32 [count]: start, start + 1, ... */
    public static Tensor positions(int start, int count) {
        return Tensor.ofInts(IntStream.range(start, start + count).toArray(), count);
    }

    private void checkEmbeds(int[] shape) {
        if (shape.length != 3 || shape[2] != config.hiddenSize() || shape[1] < 1) {
            throw new IllegalArgumentException("input embeddings must be [batch, seq >= 1, " + config.hiddenSize() + "], got " + Shapes.toString(shape));
        }
    }
}
