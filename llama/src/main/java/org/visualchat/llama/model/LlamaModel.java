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
 *       one call with S = 1. As a {@link CausalLm}, {@link #start} wraps a batch-1 cache in a
 *       {@link CausalLm.Session} and {@link #inferEach(Tensor, KvCache[], AttentionPolicy[])} steps several
 *       such caches at once (what {@code Generator.generateAll} decodes with).</li>
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
public final class LlamaModel extends Module implements CausalLm {
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

    @Override
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
        return lmHead.forward(hidden(inputEmbeds, positions, policy));
    }

    /**
     * {@link #forward} without the LM head: the final-norm hidden states [B, S, d] that {@link #lmHead()} maps to
     * logits. A loss that reads few positions applies the head to those rows only (the head is a row-wise map).
     */
    public Variable hidden(Variable inputEmbeds, Tensor positions, AttentionPolicy policy) {
        checkEmbeds(inputEmbeds.shape());
        Variable x = inputEmbeds;
        for (int i = 0; i < model.layerCount(); i++) x = model.layer(i).forward(x, positions, policy);
        return model.norm().forward(x);
    }

    /**
     * {@link #hidden} at the rows {@code rows} of the flattened [B·S] positions only, [rows, d]. The last layer's
     * feed-forward half and the final norm run for those rows alone: no other row of the last layer's output is
     * read, and its attention has already used every position as a key. For a loss over few positions (the demo's
     * answers, a tenth of a batch) that skips most of a layer. The values are those of {@link #hidden} at the
     * rows; the last layer's feed-forward weights get the same gradient terms less the other rows' zeros, summed
     * in fewer K slices, so their bits may differ in the last place.
     */
    public Variable hiddenAt(Variable inputEmbeds, Tensor positions, AttentionPolicy policy, Tensor rows) {
        checkEmbeds(inputEmbeds.shape());
        Variable x = inputEmbeds;
        int last = model.layerCount() - 1;
        for (int i = 0; i < last; i++) x = model.layer(i).forward(x, positions, policy);
        return model.norm().forward(model.layer(last).forwardAt(x, positions, policy, rows));
    }

    // ------------------------------------------------------------------ inference path

    /** A KV cache for this model: {@code batch} sequences of up to {@code capacity} positions, F32 or BF16. */
    public KvCache newCache(int batch, int capacity, DType dtype) {
        return new KvCache(config, batch, capacity, dtype);
    }

    /** Token embeddings without the tape: ids [B, S] → F32 [B, S, d]. */
    @Override
    public Tensor embedTokens(Tensor ids) {
        return model.embedTokens().lookup(ids);
    }

    /** A CPU decoding session over a fresh {@link KvCache} of batch 1. */
    @Override
    public Session start(int capacity, DType cacheType) {
        return new CpuSession(newCache(1, capacity, cacheType));
    }

    private final class CpuSession implements Session {
        final KvCache cache;

        CpuSession(KvCache cache) { this.cache = cache; }

        LlamaModel owner() { return LlamaModel.this; }

        @Override
        public Tensor inferLast(Tensor embeds, AttentionPolicy policy) {
            return LlamaModel.this.inferLast(embeds, cache, policy);
        }

        @Override
        public Tensor inferToken(int id, AttentionPolicy policy) {
            return inferLast(embedTokens(Tensor.ofInts(new int[] {id}, 1, 1)), policy);
        }

        @Override
        public int length() { return cache.length(); }

        @Override
        public void truncate(int newLength) { cache.truncate(newLength); }
    }

    /** Sessions of this model decode as one batch through {@link #inferEach(Tensor, KvCache[], AttentionPolicy[])}. */
    @Override
    public Tensor inferEach(int[] ids, Session[] sessions, AttentionPolicy[] policies) {
        KvCache[] caches = new KvCache[sessions.length];
        for (int i = 0; i < sessions.length; i++) {
            if (!(sessions[i] instanceof CpuSession s) || s.owner() != this) {
                throw new IllegalArgumentException("session " + i + " was not started by this model");
            }
            caches[i] = s.cache;
        }
        return inferEach(embedTokens(Tensor.ofInts(ids, ids.length, 1)), caches, policies);
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

    /**
     * One decode step of B independent sequences: embeddings [B, 1, d], row i the next token of the sequence
     * whose keys/values are in {@code caches[i]} (a batch-1 cache of any length) under {@code policies[i]}
     * (null = causal). Returns logits F32 [B, vocab]. Every weight row streams from memory once per step for
     * all B sequences and is dotted with each of them by the same kernel a single decode step uses, so each
     * sequence gets exactly what it gets decoded alone; with B = 1 it is {@link #inferLast}.
     */
    public Tensor inferEach(Tensor inputEmbeds, KvCache[] caches, AttentionPolicy[] policies) {
        checkEmbeds(inputEmbeds.shape());
        int b = inputEmbeds.dim(0);
        if (inputEmbeds.dim(1) != 1 || caches.length != b || policies.length != b) {
            throw new IllegalArgumentException("inferEach takes one new position per sequence, [B, 1, d] with B caches and B policies; got "
                    + Shapes.toString(inputEmbeds.shape()) + ", " + caches.length + " caches, " + policies.length + " policies");
        }
        if (b == 1) return inferLast(inputEmbeds, caches[0], policies[0]);
        for (KvCache c : caches) c.reserve(1, 1);
        try (NoGrad ignored = NoGrad.enter()) {
            Tensor x = inputEmbeds.to(DType.F32);
            for (int i = 0; i < model.layerCount(); i++) model.layer(i).inferEach(x, caches, i, policies);
            for (KvCache c : caches) c.advance(1);
            return FusedMatVec.tensor(FusedMatVec.multiply(FusedMatVec.rows(model.norm().apply(x)), lmHead.inferenceWeight())[0], b, config.vocabSize());
        }
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
