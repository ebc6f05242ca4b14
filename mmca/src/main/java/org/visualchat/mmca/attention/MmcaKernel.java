package org.visualchat.mmca.attention;

import org.visualchat.mmca.attention.KeyVisibility.Branch;
import org.visualchat.tensor.WorkerPool;

/**
 * Forward and backward of branch-summed attention, streamed over key blocks so no [S, T] score or
 * mask matrix ever exists (flash-attention style online softmax, Dao et al. 2022 §3.1): per query row
 * and branch it keeps a running max m, a running sum l and an unnormalised output, rescaled by
 * exp(m_old − m_new) when a block raises the max. Output row = Σ_branches softmax_branch(q·kᵀ/√D)·V.
 *
 * <p>Visible keys always precede the query (§2.1), so the streaming pass reads keys 0..query only.
 * The reference's uniform fallback is a second pass over all keys of the row (future ones included,
 * as in the original) and only runs for rows whose branch had no visible key.
 *
 * <p>Backward recomputes each probability from the saved log-sum-exp (no [S, T] storage):
 * dV_j += P_j·dO, dS_j = P_j·(dO·v_j − dO·O_branch), dQ += dS_j·k_j/√D, dK_j += dS_j·q/√D. On a
 * fallback row P is uniform and does not depend on the scores, but PyTorch differentiates score + μ as
 * if μ were a constant, so its gradient is the same softmax Jacobian at the uniform P; reference mode
 * returns exactly that (strict and causal never have such rows).
 */
final class MmcaKernel {
    private MmcaKernel() {}

    private static final int KEY_BLOCK = 64;

    /** Shapes: q [B, H, S, D]; k, v [B, Hkv, T, D]; all contiguous row-major float arrays. */
    record Dims(int batch, int heads, int kvHeads, int queries, int keys, int headDim) {
        int group() { return heads / kvHeads; }
        int rows() { return batch * heads * queries; }
        int kvBase(int b, int h) { return (b * kvHeads + h / group()) * keys * headDim; }
        int row(int b, int h, int i) { return (b * heads + h) * queries + i; }
    }

    /** What backward needs: inputs, per-branch outputs, log-sum-exp and fallback counts per row. */
    record Saved(MmcaMode mode, int[][] codes, Dims dims, float[] q, float[] k, float[] v,
                 float[][] branchOut, float[][] lse, int[][] fallbackCount) {}

    static Saved forward(MmcaMode mode, int[][] codes, Dims d, float[] q, float[] k, float[] v, float[] out) {
        Branch[] branches = KeyVisibility.branches(mode);
        int nb = branches.length, rows = d.rows(), hd = d.headDim();
        float[][] branchOut = new float[nb][rows * hd];
        float[][] lse = new float[nb][rows];
        int[][] fallback = new int[nb][rows];
        float scale = (float) (1 / Math.sqrt(hd));
        WorkerPool.get().parallelFor(rows, 4, (start, end) -> {
            float[] block = new float[KEY_BLOCK];
            for (int r = start; r < end; r++) {
                int i = r % d.queries(), bh = r / d.queries(), h = bh % d.heads(), b = bh / d.heads();
                int query = d.keys() - d.queries() + i, kvBase = d.kvBase(b, h);
                int[] m = codes[b];
                for (int n = 0; n < nb; n++) {
                    boolean selfOnly = KeyVisibility.imageSelfOnly(mode, m[query], d.queries(), d.keys());
                    float[] o = branchOut[n];
                    float logSumExp = softmaxRow(m, query, branches[n], selfOnly, q, r * hd, k, v, kvBase, hd, scale, block, o);
                    if (logSumExp == Float.NEGATIVE_INFINITY && mode == MmcaMode.REFERENCE) {
                        fallback[n][r] = uniformRow(m, query, branches[n], selfOnly, v, kvBase, d.keys(), hd, o, r * hd);
                        logSumExp = (float) Math.log(fallback[n][r]);
                    }
                    lse[n][r] = logSumExp;
                    Lanes.axpy(1f, o, r * hd, out, r * hd, hd);
                }
            }
        });
        return new Saved(mode, codes, d, q, k, v, branchOut, lse, fallback);
    }

    /**
     * Online softmax over the visible keys of one row and branch, written normalised into o[oOff..].
     * Returns the log-sum-exp of the scaled scores, or −∞ (and o left at zero) when no key is visible.
     */
    private static float softmaxRow(int[] codes, int query, Branch branch, boolean selfOnly, float[] q, int qOff,
                                    float[] k, float[] v, int kvBase, int hd, float scale, float[] block, float[] o) {
        float max = Float.NEGATIVE_INFINITY, sum = 0;
        for (int j0 = 0; j0 <= query; j0 += KEY_BLOCK) {
            int j1 = Math.min(j0 + KEY_BLOCK, query + 1);
            float blockMax = Float.NEGATIVE_INFINITY;
            for (int j = j0; j < j1; j++) {
                if (KeyVisibility.classify(codes, query, j, branch, selfOnly) == KeyVisibility.VISIBLE) {
                    float s = Lanes.dot(q, qOff, k, kvBase + j * hd, hd) * scale;
                    block[j - j0] = s;
                    blockMax = Math.max(blockMax, s);
                } else {
                    block[j - j0] = Float.NEGATIVE_INFINITY;
                }
            }
            if (blockMax == Float.NEGATIVE_INFINITY) continue;
            if (blockMax > max) {
                if (sum > 0) {
                    float correction = (float) Math.exp(max - blockMax);
                    sum *= correction;
                    Lanes.scale(correction, o, qOff, hd);
                }
                max = blockMax;
            }
            for (int j = j0; j < j1; j++) {
                if (block[j - j0] == Float.NEGATIVE_INFINITY) continue;
                float w = (float) Math.exp(block[j - j0] - max);
                sum += w;
                Lanes.axpy(w, v, kvBase + j * hd, o, qOff, hd);
            }
        }
        if (sum == 0) return Float.NEGATIVE_INFINITY;
        Lanes.scale(1 / sum, o, qOff, hd);
        return max + (float) Math.log(sum);
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
        float scale = (float) (1 / Math.sqrt(hd));
        // One task per (sample, KV head): it owns that head's dK/dV rows and its query heads' dQ rows.
        WorkerPool.get().parallelFor(d.batch() * d.kvHeads(), 1, (start, end) -> {
            for (int task = start; task < end; task++) {
                int b = task / d.kvHeads(), kvh = task % d.kvHeads();
                int[] m = s.codes()[b];
                for (int h = kvh * d.group(); h < (kvh + 1) * d.group(); h++) {
                    int kvBase = d.kvBase(b, h);
                    for (int i = 0; i < d.queries(); i++) {
                        int r = d.row(b, h, i), off = r * hd, query = d.keys() - d.queries() + i;
                        boolean selfOnly = KeyVisibility.imageSelfOnly(s.mode(), m[query], d.queries(), d.keys());
                        for (int n = 0; n < branches.length; n++) {
                            float lse = s.lse()[n][r];
                            if (lse == Float.NEGATIVE_INFINITY) continue;                 // empty branch: contributed zero
                            int count = s.fallbackCount()[n][r];
                            int wanted = count > 0 ? KeyVisibility.FALLBACK : KeyVisibility.VISIBLE;
                            int lastKey = count > 0 ? d.keys() - 1 : query;
                            float delta = Lanes.dot(dOut, off, s.branchOut()[n], off, hd);
                            for (int j = 0; j <= lastKey; j++) {
                                if (KeyVisibility.classify(m, query, j, branches[n], selfOnly) != wanted) continue;
                                int kj = kvBase + j * hd;
                                float p = count > 0 ? 1f / count
                                        : (float) Math.exp(Lanes.dot(s.q(), off, s.k(), kj, hd) * scale - lse);
                                Lanes.axpy(p, dOut, off, dv, kj, hd);
                                float dScore = p * (Lanes.dot(dOut, off, s.v(), kj, hd) - delta) * scale;
                                Lanes.axpy(dScore, s.k(), kj, dq, off, hd);
                                Lanes.axpy(dScore, s.q(), off, dk, kj, hd);
                            }
                        }
                    }
                }
            }
        });
        return new float[][] {dq, dk, dv};
    }
}
