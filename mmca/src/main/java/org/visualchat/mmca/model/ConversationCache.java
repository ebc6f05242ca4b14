package org.visualchat.mmca.model;

import org.visualchat.llama.model.CausalLm;
import org.visualchat.mmca.attention.MmcaAttention;
import org.visualchat.mmca.attention.MmcaMode;
import org.visualchat.mmca.prompt.EncodedConversation;
import org.visualchat.nn.AttentionPolicy;
import org.visualchat.tensor.DType;
import org.visualchat.tensor.Tensor;

import java.util.Arrays;

/**
 * One conversation's decoding session kept from round to round, so that a round prefills only what is new
 * instead of the whole history (issue 7). Each cached position is remembered by what it was fed: its input
 * embedding row, bit for bit, and its attention code. A new prompt keeps the longest prefix fed the same
 * inputs, cut further where MMCA needs it ({@link MmcaAttention#reusablePrefix}), truncates the session there
 * and runs the rest on top; greedy answers are then those of a fresh prefill of the whole prompt (up to float
 * rounding: a chunk on top of a cache sums in another order). A history re-tokenized differently from the
 * generated ids, or generated tokens fed through another embedding table, simply ends the shared prefix early.
 *
 * <pre>{@code
 * try (ConversationCache cache = new ConversationCache(lm, MmcaMode.STRICT)) {
 *     Tensor logits = cache.prefill(promptEmbeds, promptCodes, maxNewTokens);   // round 1: everything runs
 *     logits = cache.append(nextTokenEmbedding);                                 // one decode step (a text token)
 *     logits = cache.prefill(round2Embeds, round2Codes, maxNewTokens);          // round 2: only what changed runs
 * }
 * }</pre>
 */
public final class ConversationCache implements AutoCloseable {
    private final CausalLm lm;
    private final MmcaMode mode;
    private final int width;
    private CausalLm.Session session;
    private int capacity;
    /** Per cached position: its input row (width floats), its code, and the end of the pass that computed it. */
    private float[] inputs = new float[0];
    private int[] codes = new int[0];
    private int[] passEnd = new int[0];
    private int length;
    private int reused;

    public ConversationCache(CausalLm lm, MmcaMode mode) {
        this.lm = lm;
        this.mode = mode;
        this.width = lm.config().hiddenSize();
    }

    /**
     * Runs a prompt, embeddings [1, L, d] with codes [L] (1 text, 2 image), keeping what the cache holds of it
     * and leaving room for {@code extra} decode steps; returns the last position's logits, F32 [1, vocab].
     */
    public Tensor prefill(Tensor embeds, int[] promptCodes, int extra) {
        int l = embeds.dim(1);
        if (embeds.rank() != 3 || embeds.dim(0) != 1 || embeds.dim(2) != width || promptCodes.length != l) {
            throw new IllegalArgumentException("a prompt is embeddings [1, L, " + width + "] with L codes; got " + Arrays.toString(embeds.shape())
                    + " and " + promptCodes.length + " codes");
        }
        float[] rows = embeds.to(DType.F32).contiguous().toFloatArray();
        int common = commonPrefix(rows, promptCodes);
        int keep = Math.min(l - 1, MmcaAttention.reusablePrefix(mode, Arrays.copyOf(codes, length), Arrays.copyOf(passEnd, length), promptCodes, common));
        if (session == null || l + extra > capacity) {
            open(l + extra);
            keep = 0;
        }
        session.truncate(keep);
        System.arraycopy(rows, keep * width, inputs, keep * width, (l - keep) * width);
        System.arraycopy(promptCodes, keep, codes, keep, l - keep);
        Tensor logits = run(embeds.narrow(1, keep, l - keep), l);
        // Every kept row now equals its value in one pass over the whole prompt (what reusablePrefix checked).
        Arrays.fill(passEnd, 0, l, l);
        length = l;
        reused = keep;
        return logits;
    }

    /** One decode step: a generated (text) token's embedding [1, 1, d] → its logits, F32 [1, vocab]. */
    public Tensor append(Tensor embed) {
        if (session == null) throw new IllegalStateException("prefill a prompt before decoding");
        if (length == capacity) throw new IllegalArgumentException("the conversation cache is full (" + capacity + " positions)");
        System.arraycopy(embed.to(DType.F32).contiguous().toFloatArray(), 0, inputs, length * width, width);
        codes[length] = EncodedConversation.TEXT;
        Tensor logits = run(embed, length + 1);
        passEnd[length] = length + 1;
        length++;
        return logits;
    }

    /**
     * Runs {@code embeds} on top of the session, the cached codes then covering [0, {@code total}). A failed run
     * may have written part of the session: the cache is dropped rather than trusted.
     */
    private Tensor run(Tensor embeds, int total) {
        try {
            return session.inferLast(embeds, policy(total));
        } catch (RuntimeException | Error e) {
            close();
            throw e;
        }
    }

    public MmcaMode mode() { return mode; }

    /** Positions the last {@link #prefill} kept from the cache instead of running them. */
    public int reused() { return reused; }

    /** The longest prefix of cached positions fed exactly {@code rows} and {@code promptCodes}. */
    private int commonPrefix(float[] rows, int[] promptCodes) {
        int n = Math.min(length, promptCodes.length);
        int codesDiffer = Arrays.mismatch(codes, 0, n, promptCodes, 0, n);
        int rowsDiffer = Arrays.mismatch(inputs, 0, n * width, rows, 0, n * width);
        return Math.min(codesDiffer < 0 ? n : codesDiffer, rowsDiffer < 0 ? n : rowsDiffer / width);
    }

    /**
     * A fresh session for at least {@code needed} positions: twice that (within the model's context, unless the
     * conversation is already past it) so the next rounds fit too, and a conversation re-runs from scratch only
     * O(log length) times. The old one is closed first: a device backend may have a single slot.
     */
    private void open(int needed) {
        close();
        int context = lm.config().maxPositions();
        capacity = needed <= context ? Math.min(2 * needed, context) : 2 * needed;
        session = lm.start(capacity, DType.F32);
        inputs = Arrays.copyOf(inputs, capacity * width);
        codes = Arrays.copyOf(codes, capacity);
        passEnd = Arrays.copyOf(passEnd, capacity);
        length = 0;
    }

    /** MMCA over the codes of [0, total); plain causal runs the decoder's fast path (no padding in one conversation). */
    private AttentionPolicy policy(int total) {
        return mode == MmcaMode.CAUSAL ? null : MmcaAttention.of(mode, new int[][] {Arrays.copyOf(codes, total)});
    }

    @Override
    public void close() {
        if (session != null) session.close();
        session = null;
        length = 0;
    }
}
