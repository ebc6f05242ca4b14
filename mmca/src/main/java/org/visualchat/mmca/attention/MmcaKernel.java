package org.visualchat.mmca.attention;

import org.visualchat.mmca.attention.KeyVisibility.Branch;
import org.visualchat.tensor.WorkerPool;

/**
 * Forward and backward of branch-summed attention, one query row at a time, so no [S, T] score or
 * mask matrix is built to compute a row (one row of T scores per thread): output row = Σ_branches
 * softmax_branch(q·kᵀ/√D)·V. Keys are held transposed per KV head ([D, T'], {@link Lanes#dotsAcrossRows}), so a
 * row's scores are vector FMAs across keys rather than one horizontal sum per key, and the
 * exponentials are {@link org.visualchat.tensor.ops.VecMath#exp} (the same in every JIT tier). Products
 * along keys (p·V forward, dS·K backward) take the head dimension as the vector instead
 * ({@link Lanes#addWeightedRows}): a broadcast and a multiply-add per key, no horizontal sums.
 *
 * <p>Visible keys always precede the query (§2.1), so a row reads keys 0..query only; which of them a
 * branch sees is a per-sample key mask ({@link KeyVisibility#hiddenKeys}), except for an image query
 * that sees only itself in the image branch, a softmax over one key (probability 1). A hidden past key
 * gets probability 0 arithmetically (its score plus a −∞ mask, its value row times 0), which assumes its
 * q·k and v are finite, as they are for every key a model computes (a non-finite key makes every row that
 * sees it non-finite anyway); keys past the query never reach the row.
 * The reference's uniform fallback is a second pass over all keys of the row (future ones included,
 * as in the original) and only runs for rows whose branch had no visible key.
 *
 * <p>When a gradient is wanted, forward keeps each row's probabilities over its past keys (S·T/2 floats per
 * head, about 0.8 MB per layer for the demo's shards; up to {@link #KEEP_LIMIT}), and backward reads them rather
 * than computing scores and exponentials again: dV_j += P_j·dO, dS_j = P_j·(dO·v_j − dO·O_branch), dQ += dS_j·k_j/√D,
 * dK_j += dS_j·q/√D. Self-only and fallback rows are recomputed from the saved log-sum-exp. On a
 * fallback row P is uniform and does not depend on the scores, but PyTorch differentiates score + μ as
 * if μ were a constant, so its gradient is the same softmax Jacobian at the uniform P; reference mode
 * returns exactly that (strict and causal never have such rows).
 */
final class MmcaKernel {
    private MmcaKernel() {}

    /** Shapes: q [B, H, S, D]; k, v [B, Hkv, T, D]; all contiguous row-major float arrays. */
    record Dims(int batch, int heads, int kvHeads, int queries, int keys, int headDim) {
        int group() { return heads / kvHeads; }
        int rows() { return batch * heads * queries; }
        int kvBase(int b, int h) { return (b * kvHeads + h / group()) * keys * headDim; }
        /** Keys rounded up to whole vectors: the row length of the transposed K and V blocks. */
        int paddedKeys() { return (keys + Lanes.L - 1) / Lanes.L * Lanes.L; }
        int ktBase(int b, int h) { return (b * kvHeads + h / group()) * headDim * paddedKeys(); }
        int row(int b, int h, int i) { return (b * heads + h) * queries + i; }

        /**
         * Where each query row's probabilities start within its head's block of the saved rows (query i reads
         * keys 0 … T − S + i, rounded up to whole vectors); the last element is the block's length.
         */
        int[] probabilityStarts() {
            int[] start = new int[queries + 1];
            for (int i = 0; i < queries; i++) start[i + 1] = start[i] + (keys - queries + i + 1 + Lanes.L - 1) / Lanes.L * Lanes.L;
            return start;
        }
    }

    /**
     * What backward needs: inputs, per-branch outputs, log-sum-exp and fallback counts per row, and each row's
     * softmax probabilities over its past keys (both branches in one row, their keys being disjoint; at
     * {@code probStarts[i]} within the (sample, head)'s block of {@code probStarts[S]}), so backward does not
     * compute scores and exponentials a second time. Only the rows' past keys are kept: about S·T/2 floats per head.
     */
    record Saved(MmcaMode mode, int[][] codes, Dims dims, float[] q, float[] k, float[] v,
                 float[][] branchOut, float[][] lse, int[][] fallbackCount, float[] probs, int[] probStarts) {}

    /**
     * The most probabilities (floats) a forward keeps for backward: 64 MB. Past it, as for a long sequence of a real
     * model without gradient checkpointing (32 heads × 2,000² / 2 floats is 256 MB a layer), backward computes each
     * row's probabilities again from its scores and the saved log-sum-exp, and memory stays O(T) per row.
     */
    static final long KEEP_LIMIT = 1L << 24;

    /**
     * Attention output into {@code out}. The rows' probabilities are kept for backward when they number at most
     * {@code keepLimit} floats (0 for inference, which keeps none); the output is the same either way.
     */
    static Saved forward(MmcaMode mode, int[][] codes, Dims d, float[] q, float[] k, float[] v, float[] out, long keepLimit) {
        Branch[] branches = KeyVisibility.branches(mode);
        int nb = branches.length, rows = d.rows(), hd = d.headDim();
        float[][] branchOut = new float[nb][rows * hd];
        float[][] lse = new float[nb][rows];
        int[][] fallback = new int[nb][rows];
        float[][][] hidden = KeyVisibility.hiddenKeys(codes, branches, d.paddedKeys());
        float[] kt = transposed(k, d);
        float scale = (float) (1 / Math.sqrt(hd));
        float[] none = KeyVisibility.noKeys(d.paddedKeys());
        int[] probStarts = d.probabilityStarts();
        long probCount = (long) d.batch() * d.heads() * probStarts[d.queries()];
        float[] probs = probCount <= Math.min(keepLimit, Integer.MAX_VALUE) ? new float[(int) probCount] : null;
        WorkerPool.get().parallelFor(rows, 4, (start, end) -> {
            float[] p = new float[d.paddedKeys()], eA = new float[d.paddedKeys()], eB = new float[d.paddedKeys()];
            float[] lanes = new float[Lanes.L], sums = new float[2], max = new float[2];
            float[][] dots = new float[Lanes.ROW_BLOCK][d.paddedKeys()];
            boolean[] selfOnly = new boolean[nb];
            int blockStart = start, blockRows = 0;
            for (int r = start; r < end; r++) {
                int i = r % d.queries(), bh = r / d.queries(), h = bh % d.heads(), b = bh / d.heads();
                int query = d.keys() - d.queries() + i, kvBase = d.kvBase(b, h);
                int[] m = codes[b];
                if (r == blockStart + blockRows) {             // q·k for this row and up to three more of its head at once
                    blockStart = r;
                    blockRows = Math.min(Math.min(Lanes.ROW_BLOCK, end - r), d.queries() - i);
                    Lanes.dotsAcrossRows(q, r * hd, blockRows, hd, kt, d.ktBase(b, h), d.paddedKeys(), query + blockRows, dots);
                }
                for (int n = 0; n < nb; n++) selfOnly[n] = branches[n] == Branch.IMAGE && KeyVisibility.imageSelfOnly(mode, m[query], d.queries(), d.keys());
                // The softmax branches over past keys share one pass of scores and exponentials (their keys are disjoint).
                float[] hiddenA = selfOnly[0] ? none : hidden[b][0], hiddenB = nb < 2 || selfOnly[1] ? none : hidden[b][1];
                boolean any = softmaxRows(dots[r - blockStart], r * hd, d, v, kvBase, scale, hiddenA, hiddenB, query + 1, p, eA, eB, lanes, sums, max, branchOut);
                if (any && probs != null) {
                    Lanes.mix(eA, sums[0] > 0 ? 1 / sums[0] : 0f, eB, sums[1] > 0 ? 1 / sums[1] : 0f, query + 1, probs, bh * probStarts[d.queries()] + probStarts[i]);
                }
                for (int n = 0; n < nb; n++) {
                    float[] o = branchOut[n];
                    float logSumExp;
                    if (selfOnly[n]) {                                // a softmax over the query's own key: p = 1
                        logSumExp = Lanes.dot(q, r * hd, k, kvBase + query * hd, hd) * scale;
                        System.arraycopy(v, kvBase + query * hd, o, r * hd, hd);
                    } else if (max[n] == Float.NEGATIVE_INFINITY) {   // no visible key: o stays zero
                        logSumExp = Float.NEGATIVE_INFINITY;
                    } else {
                        Lanes.scale(1 / sums[n], o, r * hd, hd);
                        logSumExp = max[n] + (float) Math.log(sums[n]);
                    }
                    if (logSumExp == Float.NEGATIVE_INFINITY && mode == MmcaMode.REFERENCE) {
                        fallback[n][r] = uniformRow(m, query, branches[n], selfOnly[n], v, kvBase, d.keys(), hd, o, r * hd);
                        logSumExp = (float) Math.log(fallback[n][r]);
                    }
                    lse[n][r] = logSumExp;
                    Lanes.axpy(1f, o, r * hd, out, r * hd, hd);
                }
            }
        });
        return new Saved(mode, codes, d, q, k, v, branchOut, lse, fallback, probs, probStarts);
    }

    /**
     * The unnormalised softmax rows of branches A and B (disjoint keys: {@code hiddenA}, {@code hiddenB}) over the
     * keys of [0, count), applied to V: o_n[qOff..] = Σ_j e^(s_j − max_n)·v_j over branch n's keys, s_j the row's
     * {@code dots} scaled. max[n] gets each branch's largest scaled score (−∞ when it shows no key, its o left at zero),
     * sums[n] its sum of exponentials, eA and eB the exponentials themselves ({@link Lanes#expSplit}); {@code p} is
     * scratch for the row's scores, {@code lanes} for one vector. Returns false, writing nothing, when neither branch
     * shows a key.
     */
    private static boolean softmaxRows(float[] dots, int qOff, Dims d, float[] v, int kvBase, float scale,
                                       float[] hiddenA, float[] hiddenB, int count, float[] p, float[] eA, float[] eB,
                                       float[] lanes, float[] sums, float[] max, float[][] o) {
        int hd = d.headDim();
        Lanes.scaledScores(dots, scale, count, p);
        Lanes.maxVisible(p, hiddenA, hiddenB, count, max);
        if (max[0] == Float.NEGATIVE_INFINITY && max[1] == Float.NEGATIVE_INFINITY) return false;
        Lanes.expSplit(p, hiddenA, max[0], hiddenB, max[1], count, eA, eB, lanes, sums);
        boolean a = max[0] != Float.NEGATIVE_INFINITY, b = o.length > 1 && max[1] != Float.NEGATIVE_INFINITY;
        if (a && b) Lanes.addWeightedRowPair(eA, count, eB, count, v, kvBase, hd, o[0], qOff, o[1], qOff);
        else if (a) Lanes.addWeightedRows(eA, 0, count, v, kvBase, hd, o[0], qOff);
        else if (b) Lanes.addWeightedRows(eB, 0, count, v, kvBase, hd, o[1], qOff);
        return true;
    }

    /** x [B, Hkv, T, D] → per (sample, KV head) a [D, T'] block, keys along the rows, zero-padded to T'. */
    private static float[] transposed(float[] x, Dims d) {
        int t = d.keys(), tp = d.paddedKeys(), hd = d.headDim(), heads = d.batch() * d.kvHeads();
        float[] out = new float[heads * hd * tp];
        for (int bh = 0; bh < heads; bh++) {
            for (int j = 0; j < t; j++) {
                for (int c = 0; c < hd; c++) out[(bh * hd + c) * tp + j] = x[(bh * t + j) * hd + c];
            }
        }
        return out;
    }

    /** The reference's degenerate row: the mean of v over every fallback (mask exactly μ) key; returns their count (≥ 1). */
    private static int uniformRow(int[] codes, int query, Branch branch, boolean selfOnly, float[] v, int kvBase,
                                  int keys, int hd, float[] o, int oOff) {
        int count = 0;
        for (int j = 0; j < keys; j++) {
            if (KeyVisibility.classify(codes, query, j, branch, selfOnly) != KeyVisibility.FALLBACK) continue;
            Lanes.axpy(1f, v, kvBase + j * hd, o, oOff, hd);
            count++;
        }
        // The query's own key is either visible or a fallback key (C is 0 on the diagonal), so count ≥ 1 here.
        if (count == 0) throw new IllegalStateException("reference MMCA row without visible or fallback keys at position " + query);
        Lanes.scale(1f / count, o, oOff, hd);
        return count;
    }

    /** Gradients {dq, dk, dv} for output gradient dOut [B, H, S, D]. */
    static float[][] backward(Saved s, float[] dOut) {
        Dims d = s.dims();
        Branch[] branches = KeyVisibility.branches(s.mode());
        int hd = d.headDim();
        float[] dq = new float[s.q().length], dk = new float[s.k().length], dv = new float[s.v().length];
        float[][][] hidden = KeyVisibility.hiddenKeys(s.codes(), branches, d.paddedKeys());
        float[] vt = transposed(s.v(), d), none = KeyVisibility.noKeys(d.paddedKeys());
        boolean kept = s.probs() != null;
        float[] kt = kept ? null : transposed(s.k(), d);
        float scale = (float) (1 / Math.sqrt(hd));
        int nb = branches.length, perHead = s.probStarts()[d.queries()];
        // One task per (sample, KV head): it owns that head's dK/dV rows and its query heads' dQ rows.
        int tp = d.paddedKeys();
        WorkerPool.get().parallelFor(d.batch() * d.kvHeads(), 1, (start, end) -> {
            float[][] dps = new float[Lanes.ROW_BLOCK][tp];
            float[] dkt = new float[hd * tp], dvt = new float[hd * tp];
            float[] row = kept ? null : new float[tp], eA = kept ? null : new float[tp], eB = kept ? null : new float[tp];
            float[] lanes = new float[Lanes.L], sums = new float[2];
            float[] delta = new float[2];
            boolean[] selfOnly = new boolean[nb], vector = new boolean[2];
            QueryGradients dqRows = new QueryGradients(s.k(), hd, dq);
            for (int task = start; task < end; task++) {
                int b = task / d.kvHeads(), kvh = task % d.kvHeads();
                int[] m = s.codes()[b];
                java.util.Arrays.fill(dkt, 0f);
                java.util.Arrays.fill(dvt, 0f);
                for (int h = kvh * d.group(); h < (kvh + 1) * d.group(); h++) {
                    int kvBase = d.kvBase(b, h), ktBase = d.ktBase(b, h);
                    for (int i = 0, blockStart = 0, blockRows = 0; i < d.queries(); i++) {
                        int r = d.row(b, h, i), off = r * hd, query = d.keys() - d.queries() + i;
                        if (i == blockStart + blockRows) {     // dO·v for this row and up to three more at once
                            dqRows.flush(kvBase);                  // dps is about to be overwritten
                            blockStart = i;
                            blockRows = Math.min(Lanes.ROW_BLOCK, d.queries() - i);
                            Lanes.dotsAcrossRows(dOut, off, blockRows, hd, vt, ktBase, tp, query + blockRows, dps);
                        }
                        float[] dp = dps[i - blockStart];
                        boolean scalarToo = false;
                        for (int n = 0; n < nb; n++) {
                            selfOnly[n] = branches[n] == Branch.IMAGE && KeyVisibility.imageSelfOnly(s.mode(), m[query], d.queries(), d.keys());
                            // An empty branch contributed zero; self-only and fallback rows take the scalar path below.
                            vector[n] = s.lse()[n][r] != Float.NEGATIVE_INFINITY && !selfOnly[n] && s.fallbackCount()[n][r] == 0;
                            scalarToo |= !vector[n] && s.lse()[n][r] != Float.NEGATIVE_INFINITY;
                            delta[n] = Lanes.dot(dOut, off, s.branchOut()[n], off, hd);
                        }
                        if (vector[0] || vector[1]) {
                            // With p the saved probabilities: dS_j = p_j·(dO·v_j − dO·O_branch)·scale; then, across keys,
                            // dVᵀ += dO ⊗ p and dKᵀ += q ⊗ dS, and along them dq += Σ_j dS_j·k_j — both branches at once (disjoint keys).
                            float[] hiddenA = vector[0] ? hidden[b][0] : none, probs = s.probs();
                            int pOff = (b * d.heads() + h) * perHead + s.probStarts()[i];
                            if (!kept) {                           // p_j = e^(s_j − lse_branch), the row's probabilities again
                                float[] hiddenB = vector[1] ? hidden[b][1] : none;
                                Lanes.dotsAcross(s.q(), off, hd, kt, ktBase, tp, query + 1, row);
                                Lanes.scaledScores(row, scale, query + 1, row);
                                Lanes.expSplit(row, hiddenA, vector[0] ? s.lse()[0][r] : 0f, hiddenB, vector[1] ? s.lse()[1][r] : 0f,
                                        query + 1, eA, eB, lanes, sums);
                                Lanes.mix(eA, 1f, eB, 1f, query + 1, row, 0);
                                probs = row;
                                pOff = 0;
                            }
                            Lanes.scoreGradients(probs, pOff, dp, hiddenA, delta[0], delta[1], scale, query + 1);
                            Lanes.rankOneAcross(dOut, off, hd, probs, pOff, dvt, 0, tp, query + 1);
                            Lanes.rankOneAcross(s.q(), off, hd, dp, 0, dkt, 0, tp, query + 1);
                            // dq's row must have its vector part before the scalar path adds to it (the same bits as ever)
                            if (scalarToo) Lanes.addWeightedRows(dp, 0, query + 1, s.k(), kvBase, hd, dq, off);
                            else dqRows.add(dp, query + 1, off, kvBase);
                        }
                        for (int n = 0; n < nb; n++) {
                            if (!vector[n] && s.lse()[n][r] != Float.NEGATIVE_INFINITY) {
                                scalarRowBackward(s, m, query, branches[n], selfOnly[n], s.fallbackCount()[n][r], s.lse()[n][r], delta[n],
                                        off, kvBase, scale, dOut, dq, dk, dv);
                            }
                        }
                    }
                    dqRows.flush(kvBase);
                }
                int kvBase = d.kvBase(b, kvh * d.group());                         // this task's K/V rows, back from [D, T']
                for (int j = 0; j < d.keys(); j++) {
                    for (int c = 0; c < hd; c++) {
                        dk[kvBase + j * hd + c] += dkt[c * tp + j];
                        dv[kvBase + j * hd + c] += dvt[c * tp + j];
                    }
                }
            }
        });
        return new float[][] {dq, dk, dv};
    }

    /**
     * dq rows += dS·K (the head's keys), two query rows at a time ({@link Lanes#addWeightedRowPair}): a row's dS waits
     * here for the next row's, and goes alone when {@link #flush} comes first. Rows of one head share K.
     */
    private static final class QueryGradients {
        private final float[] k, dq;
        private final int hd;
        private float[] waiting;
        private int waitingKeys, waitingOff;

        QueryGradients(float[] k, int hd, float[] dq) {
            this.k = k;
            this.hd = hd;
            this.dq = dq;
        }

        /** Adds dS[0, keys)·K into dq[off..]; {@code dS} must stay unchanged until the next add or flush. */
        void add(float[] dS, int keys, int off, int kvBase) {
            if (waiting == null) {
                waiting = dS;
                waitingKeys = keys;
                waitingOff = off;
                return;
            }
            Lanes.addWeightedRowPair(waiting, waitingKeys, dS, keys, k, kvBase, hd, dq, waitingOff, dq, off);
            waiting = null;
        }

        void flush(int kvBase) {
            if (waiting != null) Lanes.addWeightedRows(waiting, 0, waitingKeys, k, kvBase, hd, dq, waitingOff);
            waiting = null;
        }
    }

    /**
     * Backward of a row whose probabilities do not come from a masked softmax over past keys: an image
     * query alone in the image branch (p = 1 on its own key) or a reference fallback row (p = 1/count
     * on every fallback key, future ones included).
     */
    private static void scalarRowBackward(Saved s, int[] codes, int query, Branch branch, boolean selfOnly, int count, float lse,
                                          float delta, int off, int kvBase, float scale, float[] dOut, float[] dq, float[] dk, float[] dv) {
        Dims d = s.dims();
        int hd = d.headDim();
        int wanted = count > 0 ? KeyVisibility.FALLBACK : KeyVisibility.VISIBLE;
        int lastKey = count > 0 ? d.keys() - 1 : query;
        for (int j = 0; j <= lastKey; j++) {
            if (KeyVisibility.classify(codes, query, j, branch, selfOnly) != wanted) continue;
            int kj = kvBase + j * hd;
            float p = count > 0 ? 1f / count : (float) Math.exp(Lanes.dot(s.q(), off, s.k(), kj, hd) * scale - lse);
            Lanes.axpy(p, dOut, off, dv, kj, hd);
            float dScore = p * (Lanes.dot(dOut, off, s.v(), kj, hd) - delta) * scale;
            Lanes.axpy(dScore, s.k(), kj, dq, off, hd);
            Lanes.axpy(dScore, s.q(), off, dk, kj, hd);
        }
    }
}
