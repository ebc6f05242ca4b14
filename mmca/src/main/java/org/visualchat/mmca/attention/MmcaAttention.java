package org.visualchat.mmca.attention;

import org.visualchat.autograd.Variable;
import org.visualchat.nn.MaskedAttentionPolicy;
import org.visualchat.tensor.Tensor;

import java.util.Arrays;

/**
 * Multi-Modal Causal Attention as an {@link org.visualchat.nn.AttentionPolicy} (reference §2, paper §3): two
 * softmaxes, one over image keys and one over text keys, summed. Which key is visible is computed from
 * the per-token codes (0 pad, 1 text, 2 image) inside the kernel, block by block, never as an L×L mask;
 * {@link #branchMasks} states the same rule as additive masks for backends with their own kernels.
 *
 * <p>The codes cover every key the attention sees: with a KV cache, the cached positions first and
 * the new queries last (query i of S sits at absolute position T − S + i). Differentiable in q, k and
 * v; grouped KV heads are served without copying.
 *
 * <pre>{@code
 * int[][] codes = {{1, 1, 2, 2, 1, 1, 0}};                     // [B][T]
 * AttentionPolicy mmca = MmcaAttention.of(MmcaMode.STRICT, codes);
 * Variable y = attention.forward(x, positions, mmca);           // nn.MultiHeadAttention
 * }</pre>
 */
public final class MmcaAttention implements MaskedAttentionPolicy {
    private final MmcaMode mode;
    private final int[][] codes;

    private MmcaAttention(MmcaMode mode, int[][] codes) {
        this.mode = mode;
        this.codes = codes;
    }

    /** A policy over the given codes [B][T] (copied; every value must be 0, 1 or 2). */
    public static MmcaAttention of(MmcaMode mode, int[][] codes) {
        int[][] copy = new int[codes.length][];
        for (int b = 0; b < codes.length; b++) {
            copy[b] = codes[b].clone();
            for (int t = 0; t < copy[b].length; t++) {
                int c = copy[b][t];
                if (c < 0 || c > 2) throw new IllegalArgumentException("attention code at sample " + b + ", position " + t + " is " + c + " (expected 0 pad, 1 text or 2 image)");
            }
        }
        return new MmcaAttention(mode, copy);
    }

    /** Codes from an integer tensor [B, T]. */
    public static MmcaAttention of(MmcaMode mode, Tensor codes) {
        if (codes.rank() != 2) throw new IllegalArgumentException("attention codes must be [batch, length], got " + Arrays.toString(codes.shape()));
        long[] flat = codes.toLongArray();
        int[][] rows = new int[codes.dim(0)][codes.dim(1)];
        for (int i = 0; i < flat.length; i++) rows[i / codes.dim(1)][i % codes.dim(1)] = (int) flat[i];
        return of(mode, rows);
    }

    public MmcaMode mode() { return mode; }

    /**
     * How many leading positions of a KV cache may stay when its sequence (codes {@code cached}) goes on as
     * {@code next}, the two feeding the same inputs at [0, {@code common}), so that running the rest of
     * {@code next} on top (one chunk, then decode steps) gives what one pass over the whole of {@code next}
     * gives. Position p of the cache was computed in a pass over keys [0, {@code passEnd[p]}).
     *
     * <p>Strict and causal rows read only keys up to their own position, and strict applies the image-self-only
     * rule to image queries of any chunk (§2.4), so the whole common prefix stays. A reference row reads later
     * keys when its branch has no visible key (the uniform fallback, §2.5.1: the text before the first image
     * averages over every later image), and the reference applies the image rule only to a pass over the whole
     * sequence; so a reference cache stays only if no new image comes and every fallback row would read the same
     * keys in one pass over {@code next} as it did; otherwise 0 (run everything again).
     */
    public static int reusablePrefix(MmcaMode mode, int[] cached, int[] passEnd, int[] next, int common) {
        if (common > Math.min(cached.length, next.length) || passEnd.length != cached.length) {
            throw new IllegalArgumentException("common prefix " + common + " of sequences of " + cached.length + " and " + next.length
                    + " positions, " + passEnd.length + " pass ends");
        }
        return mode == MmcaMode.REFERENCE && !KeyVisibility.referenceRowsStay(cached, passEnd, next, common) ? 0 : common;
    }

    /**
     * The same visibility as the kernel, as additive masks [B, 1, S, T] per branch ({@link KeyVisibility}):
     * visible 0, hidden −∞, and in {@link MmcaMode#REFERENCE} the fallback keys μ = finfo(fp32).min, so a
     * branch with no visible key averages them uniformly as the reference does. CAUSAL has one branch.
     */
    @Override
    public Tensor[] branchMasks(int queries, int keys) {
        if (keys < queries) throw new IllegalArgumentException("MMCA needs at least as many keys (" + keys + ") as queries (" + queries + ")");
        KeyVisibility.Branch[] branches = KeyVisibility.branches(mode);
        float fallback = mode == MmcaMode.REFERENCE ? -Float.MAX_VALUE : Float.NEGATIVE_INFINITY;
        Tensor[] masks = new Tensor[branches.length];
        for (int n = 0; n < branches.length; n++) {
            float[] m = new float[codes.length * queries * keys];
            for (int b = 0; b < codes.length; b++) {
                if (codes[b].length != keys) throw new IllegalArgumentException("attention codes of sample " + b + " have length " + codes[b].length + " but attention sees " + keys + " keys");
                for (int i = 0; i < queries; i++) {
                    int query = keys - queries + i;
                    boolean selfOnly = KeyVisibility.imageSelfOnly(mode, codes[b][query], queries, keys);
                    for (int j = 0; j < keys; j++) {
                        int kind = KeyVisibility.classify(codes[b], query, j, branches[n], selfOnly);
                        m[(b * queries + i) * keys + j] = kind == KeyVisibility.VISIBLE ? 0f : kind == KeyVisibility.FALLBACK ? fallback : Float.NEGATIVE_INFINITY;
                    }
                }
            }
            masks[n] = Tensor.of(m, codes.length, 1, queries, keys);
        }
        return masks;
    }

    @Override
    public Variable attend(Variable q, Variable k, Variable v) {
        if (q.rank() != 4 || k.rank() != 4 || v.rank() != 4) {
            throw new IllegalArgumentException("MMCA expects q [B, H, S, D], k and v [B, Hkv, T, D]; got " + Arrays.toString(q.shape()) + ", " + Arrays.toString(k.shape()) + ", " + Arrays.toString(v.shape()));
        }
        MmcaKernel.Dims d = new MmcaKernel.Dims(q.dim(0), q.dim(1), k.dim(1), q.dim(2), k.dim(2), q.dim(3));
        if (!Arrays.equals(k.shape(), v.shape()) || k.dim(0) != d.batch() || k.dim(3) != d.headDim()) {
            throw new IllegalArgumentException("MMCA k " + Arrays.toString(k.shape()) + " and v " + Arrays.toString(v.shape()) + " do not match q " + Arrays.toString(q.shape()));
        }
        if (d.heads() % d.kvHeads() != 0) throw new IllegalArgumentException(d.heads() + " query heads are not a multiple of " + d.kvHeads() + " KV heads");
        if (d.keys() < d.queries()) throw new IllegalArgumentException("MMCA needs at least as many keys (" + d.keys() + ") as queries (" + d.queries() + ")");
        if (codes.length != d.batch()) throw new IllegalArgumentException("attention codes cover " + codes.length + " samples but the batch has " + d.batch());
        for (int b = 0; b < codes.length; b++) {
            if (codes[b].length != d.keys()) throw new IllegalArgumentException("attention codes of sample " + b + " have length " + codes[b].length + " but attention sees " + d.keys() + " keys");
        }
        float[] out = new float[d.rows() * d.headDim()];
        boolean forBackward = q.requiresGrad() || k.requiresGrad() || v.requiresGrad();
        MmcaKernel.Saved saved = MmcaKernel.forward(mode, codes, d, HeadRows.read(q.value()), HeadRows.read(k.value()), HeadRows.read(v.value()), out,
                forBackward ? MmcaKernel.KEEP_LIMIT : 0);
        return Variable.fromOp(Tensor.of(out, q.shape()), gradOut -> {
            float[][] g = MmcaKernel.backward(saved, HeadRows.read(gradOut));
            return new Tensor[] {Tensor.of(g[0], q.shape()), Tensor.of(g[1], k.shape()), Tensor.of(g[2], v.shape())};
        }, q, k, v);
    }
}
