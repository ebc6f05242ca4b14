package org.visualchat.mmca.attention;

/**
 * An independent, deliberately naive re-computation of the attention for tests: dense per-row masks
 * built the way the original builds them (reference §2.1: additive fp32 masks with μ = finfo.min, the
 * causal mask only when more than one query, the image-row override only when queries == keys, masks
 * added in float so μ + μ overflows to −∞, score + μ rounded in float), softmax and products in double.
 * Strict and causal are written from their definitions (visible sets), not from the kernel's code.
 */
final class ScalarMmca {
    static final float MU = -Float.MAX_VALUE;                          // torch.finfo(torch.float32).min

    final MmcaMode mode;
    final int[][] codes;
    final int batch, heads, kvHeads, queries, keys, dim;
    final float[] q, k, v;

    ScalarMmca(MmcaMode mode, int[][] codes, int heads, int kvHeads, int queries, float[] q, float[] k, float[] v) {
        this.mode = mode;
        this.codes = codes;
        this.batch = codes.length;
        this.keys = codes[0].length;
        this.heads = heads;
        this.kvHeads = kvHeads;
        this.queries = queries;
        this.dim = q.length / (batch * heads * queries);
        this.q = q;
        this.k = k;
        this.v = v;
    }

    int branches() { return mode == MmcaMode.CAUSAL ? 1 : 2; }

    double score(int b, int h, int i, int j) {
        int kh = h / (heads / kvHeads);
        double s = 0;
        for (int c = 0; c < dim; c++) s += (double) q[((b * heads + h) * queries + i) * dim + c] * k[((b * kvHeads + kh) * keys + j) * dim + c];
        return s / Math.sqrt(dim);
    }

    double value(int b, int h, int j, int c) {
        return v[((b * kvHeads + h / (heads / kvHeads)) * keys + j) * dim + c];
    }

    /** The original's additive mask entry for branch n (0 image, 1 text): C + A in float arithmetic. */
    float referenceMask(int b, int n, int i, int j) {
        int[] m = codes[b];
        int p = keys - queries + i;
        float causal = queries > 1 && j > p ? MU : 0f;
        int branchCode = n == 0 ? 2 : 1;
        float modality = m[j] == branchCode ? 0f : MU;
        if (n == 0 && queries == keys && m[p] == 2) modality = j == p ? 0f : MU;
        return modality + causal;                                     // float add: μ + μ = −∞
    }

    /** Attention probabilities of row i, branch n: double[keys]. */
    double[] probs(int b, int h, int i, int n) {
        double[] x = new double[keys];
        int p = keys - queries + i;
        if (mode == MmcaMode.REFERENCE) {
            for (int j = 0; j < keys; j++) x[j] = (float) score(b, h, i, j) + referenceMask(b, n, i, j);   // float add
        } else {
            for (int j = 0; j < keys; j++) {
                int c = codes[b][j];
                boolean modality = mode == MmcaMode.CAUSAL ? c > 0
                        : n == 0 ? (codes[b][p] == 2 ? j == p : c == 2) : c == 1;
                x[j] = modality && j <= p ? score(b, h, i, j) : Double.NEGATIVE_INFINITY;
            }
        }
        double max = Double.NEGATIVE_INFINITY;
        for (double e : x) max = Math.max(max, e);
        double[] pr = new double[keys];
        if (max == Double.NEGATIVE_INFINITY) return pr;               // strict/causal: empty branch is zero
        double sum = 0;
        for (int j = 0; j < keys; j++) sum += pr[j] = Math.exp(x[j] - max);
        for (int j = 0; j < keys; j++) pr[j] /= sum;
        return pr;
    }

    /** Output [B, H, S, D] as doubles. */
    double[] output() {
        double[] out = new double[batch * heads * queries * dim];
        for (int b = 0; b < batch; b++) for (int h = 0; h < heads; h++) for (int i = 0; i < queries; i++) {
            for (int n = 0; n < branches(); n++) {
                double[] pr = probs(b, h, i, n);
                for (int j = 0; j < keys; j++) for (int c = 0; c < dim; c++) {
                    out[((b * heads + h) * queries + i) * dim + c] += pr[j] * value(b, h, j, c);
                }
            }
        }
        return out;
    }

    /**
     * PyTorch autograd's gradients for dOut: {dq, dk, dv}. Per branch P = softmax(x); dP = dO·Vᵀ;
     * dx = P ⊙ (dP − Σ P dP); x = score + mask with mask a constant, so dscore = dx.
     */
    double[][] gradients(float[] dOut) {
        double[] dq = new double[q.length], dk = new double[k.length], dv = new double[v.length];
        double inv = 1 / Math.sqrt(dim);
        for (int b = 0; b < batch; b++) for (int h = 0; h < heads; h++) for (int i = 0; i < queries; i++) {
            int kh = h / (heads / kvHeads), qo = ((b * heads + h) * queries + i) * dim;
            for (int n = 0; n < branches(); n++) {
                double[] pr = probs(b, h, i, n);
                double[] dp = new double[keys];
                double delta = 0;
                for (int j = 0; j < keys; j++) {
                    for (int c = 0; c < dim; c++) dp[j] += dOut[qo + c] * value(b, h, j, c);
                    delta += pr[j] * dp[j];
                }
                for (int j = 0; j < keys; j++) {
                    int ko = ((b * kvHeads + kh) * keys + j) * dim;
                    double ds = pr[j] * (dp[j] - delta) * inv;
                    for (int c = 0; c < dim; c++) {
                        dv[ko + c] += pr[j] * dOut[qo + c];
                        dq[qo + c] += ds * k[ko + c];
                        dk[ko + c] += ds * q[qo + c];
                    }
                }
            }
        }
        return new double[][] {dq, dk, dv};
    }
}
