package org.visualchat.llama.model;

import org.visualchat.nn.AttentionPolicy;
import org.visualchat.tensor.DType;
import org.visualchat.tensor.Tensor;
import org.visualchat.tensor.ops.Join;

/**
 * What generation needs from a causal language model, whichever backend runs it: token embeddings on
 * the host (so image features can be spliced into a prompt) and a decoding {@link Session} per sequence.
 * {@link LlamaModel} is the CPU implementation; another backend (e.g. OpenCL, in a module that depends
 * on this one) implements it over its own device-resident weights and KV cache.
 */
public interface CausalLm {
    LlamaConfig config();

    /** Token ids I32/I64 [B, S] → F32 embeddings [B, S, d] on the host. */
    Tensor embedTokens(Tensor ids);

    /** A fresh decoding state (KV cache) for one sequence of up to {@code capacity} positions. */
    Session start(int capacity, DType cacheType);

    /**
     * One decode step of several sequences, token {@code ids[i]} after the positions of {@code sessions[i]}
     * under {@code policies[i]} (null = causal) → logits F32 [B, vocab]; row i is exactly what
     * {@code sessions[i].inferToken(ids[i], policies[i])} gives. This default steps the sessions one after
     * another; a backend that can batch them (each weight row streamed once for all B rows, as
     * {@link LlamaModel} does) overrides it.
     */
    default Tensor inferEach(int[] ids, Session[] sessions, AttentionPolicy[] policies) {
        if (sessions.length != ids.length || policies.length != ids.length) {
            throw new IllegalArgumentException("inferEach takes one session and one policy per id; got " + ids.length + " ids, "
                    + sessions.length + " sessions, " + policies.length + " policies");
        }
        Tensor[] rows = new Tensor[ids.length];
        for (int i = 0; i < ids.length; i++) rows[i] = sessions[i].inferToken(ids[i], policies[i]);
        return Join.concat(0, rows);
    }

    /** One sequence's positions so far; each call runs the next positions and returns the last one's logits. */
    interface Session extends AutoCloseable {
        /** Embeddings [1, S, d] after the positions already run → logits of the last one, F32 [1, vocab]. */
        Tensor inferLast(Tensor embeds, AttentionPolicy policy);

        /** One token id (a decode step) → its logits, F32 [1, vocab]. */
        Tensor inferToken(int id, AttentionPolicy policy);

        /** Positions run so far (the absolute position of the next one). */
        int length();

        /**
         * Forgets positions from {@code newLength} on, so the next call runs at position {@code newLength}: a
         * conversation keeps its cached prefix and re-runs only what changed after it. Causal attention makes
         * the kept positions exactly what a run of the prefix alone gives; with another policy the caller decides
         * whether they are still valid (see {@code MmcaAttention.reusablePrefix}).
         */
        void truncate(int newLength);

        /** Frees what the session holds (device memory); nothing by default. */
        @Override
        default void close() {}
    }
}
