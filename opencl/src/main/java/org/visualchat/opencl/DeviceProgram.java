package org.visualchat.opencl;

import com.aparapi.Kernel;

/**
 * Every device kernel of the backend, compiled by Aparapi into ONE OpenCL kernel that dispatches on
 * {@link #op}.
 *
 * <p>Why one kernel: Aparapi gives each {@code Kernel} instance its own OpenCL context and ties each
 * device buffer to one array field of that instance (aparapi-native {@code JNIContext},
 * {@code processArray}). Buffers can therefore not be shared between kernel instances, and re-pointing
 * a field at another array re-creates its buffer from host memory. So all tensors live in fixed arrays
 * of this one instance (the arenas {@link #heap}, {@link #raw} to {@link #raw3}, {@link #ints}),
 * addressed by offsets, and every op is a branch of {@link #run()}. Quantized weights get four byte
 * arenas because one Java array holds at most 2 GiB ({@link #RAW_ARENAS}; a tensor sits in one of them). Uploads and downloads go through the small
 * staging arrays {@code upF/upB/upI/dlF}, re-pointed per transfer, so a transfer moves exactly the
 * tensor's bytes. The kernel runs in explicit mode: nothing is copied unless asked for.
 *
 * <p>Aparapi restrictions shape the code: no {@code break}/{@code continue}, no objects, no array
 * parameters (kernels read fields), no {@code Float.intBitsToFloat} (so F16/BF16 are decoded
 * arithmetically with the exact power-of-two table {@link #pow2}).
 *
 * <p>Host-side launch code (parameter fields, ranges) is in {@link DeviceLauncher}, allocation and
 * transfers in {@link DeviceMemory}, shape checks in {@link OpenClBackend}.
 */
final class DeviceProgram extends Kernel {
    // ------------------------------------------------------------------ op codes
    static final int OP_CANARY = 0, OP_COPY_IN_F = 1, OP_COPY_IN_B = 2, OP_COPY_IN_I = 3, OP_COPY_OUT_F = 4,
            OP_MATMUL = 5, OP_LINEAR_RAW = 6, OP_BINARY = 7, OP_UNARY = 8, OP_SOFTMAX = 9, OP_NORM = 10,
            OP_ROPE = 11, OP_EMBEDDING = 12, OP_SOFTMAX_BACK = 13, OP_RMS_NORM_BACK = 14, OP_CROSS_ENTROPY = 15,
            OP_EMBEDDING_BACK = 16;

    /** BIN_FIRST copies operand a through its strides: a transpose or broadcast materialised. */
    static final int BIN_ADD = 0, BIN_SUB = 1, BIN_MUL = 2, BIN_DIV = 3, BIN_MAX = 4, BIN_MIN = 5, BIN_FIRST = 6,
            BIN_SILU_GRAD = 7;

    static final int UN_EXP = 0, UN_LOG = 1, UN_SQRT = 2, UN_RSQRT = 3, UN_TANH = 4, UN_SIGMOID = 5, UN_SILU = 6,
            UN_RELU = 7, UN_NEG = 8, UN_ABS = 9, UN_SQUARE = 10, UN_GELU = 11, UN_GELU_TANH = 12,
            UN_QUICK_GELU = 13, UN_ADD_SCALAR = 14, UN_MUL_SCALAR = 15, UN_POW = 16;

    /** Weight encodings the kernels decode (codes shared by linear and embedding). */
    static final int W_F32 = 0, W_BF16 = 1, W_F16 = 2, W_Q8_0 = 3, W_Q4_0 = 4;

    static final int NORM_RMS = 0, NORM_LAYER = 1;
    static final int ROPE_HALF = 0, ROPE_INTERLEAVED = 1;

    /** Matmul tile: a work-group of TILE × (TILE / WPT) items computes a TILE × TILE block of C. */
    static final int TILE = 32, WPT = 4, TILE_ROWS = TILE / WPT;
    /** Work-group size of the row kernels (softmax, norms, fused dequantize matvec). */
    static final int ROW_GROUP = 64;
    /** Elements of {@link #heap} reserved at its start: index 0 holds the residency canary. */
    static final int HEAP_RESERVED = 16;
    /** Byte arenas ({@link #raw} .. {@link #raw3}) and the size of each but the last partly used one. */
    static final int RAW_ARENAS = 4, MAX_RAW_ARENA = Integer.MAX_VALUE - 64;

    // ------------------------------------------------------------------ memory
    float[] heap;
    byte[] raw, raw1, raw2, raw3;
    int[] ints;
    float[] upF = new float[1];
    byte[] upB = new byte[1];
    int[] upI = new int[1];
    float[] dlF = new float[1];
    /** pow2[i] = 2^(i − 127) for i in 1..254 (every normal float exponent); 0 and ∞ at the ends. */
    final float[] pow2 = new float[256];

    @Local final float[] tileA = new float[TILE * TILE];
    @Local final float[] tileB = new float[TILE * TILE];
    @Local final float[] red = new float[ROW_GROUP];

    // ------------------------------------------------------------------ parameters (set per launch)
    int op, sub, n, src, dst;
    // matmul: C[bz] (M×N, contiguous at dst) = alpha · A[bz] · B[bz]; batch bz → (bz / inner, bz % inner)
    int mmM, mmN, mmK, batchInner;
    int aOff, aRS, aCS, aOuter, aInner, aGroup;
    int bOff, bRS, bCS, bOuter, bInner, bGroup;
    float alpha;
    // broadcast binary: 4-d output dims, the two operands' strides (0 where broadcast), output strides
    int d0, d1, d2, d3;
    int aS0, aS1, aS2, aS3, bS0, bS1, bS2, bS3, cS0, cS1, cS2, cS3;
    // unary parameter; norm epsilon
    float param;
    // row kernels: rows × cols; weight/bias offsets (−1 = absent); masks (offsets −1 = absent)
    int rows, cols, wOff, biasOff, wCode, wArena;
    int mAOff, mAS0, mAS1, mAS2, mAS3, mBOff, mBS0, mBS1, mBS2, mBS3;
    // rope: heads and sequence length of x [B, H, S, D]; positions stride per batch (0 = shared)
    int ropeH, ropeS, posOff, posBatchStride, cosOff, sinOff;

    /**
     * {@code rawSizes}: the lengths of the {@link #RAW_ARENAS} byte arenas (each at least 1: OpenCL has no
     * empty buffers). Computed by {@link OpenClBackend}: this class must hold no {@code long} arithmetic,
     * whose constant-pool entries Aparapi's class parser (with BCEL 6.13) rejects.
     */
    DeviceProgram(int heapFloats, int[] rawSizes, int intCount) {
        heap = new float[heapFloats];
        raw = new byte[rawSizes[0]];
        raw1 = new byte[rawSizes[1]];
        raw2 = new byte[rawSizes[2]];
        raw3 = new byte[rawSizes[3]];
        ints = new int[Math.max(intCount, 1)];
        for (int i = 1; i < 255; i++) pow2[i] = Math.scalb(1f, i - 127);
        pow2[255] = Float.POSITIVE_INFINITY;
        setExplicit(true);
    }

    @Override
    public void run() {
        if (op == OP_MATMUL) matmul();
        else if (op == OP_LINEAR_RAW) linearRaw();
        else if (op == OP_BINARY) binary();
        else if (op == OP_UNARY) unary();
        else if (op == OP_SOFTMAX) softmax();
        else if (op == OP_NORM) norm();
        else if (op == OP_ROPE) rope();
        else if (op == OP_EMBEDDING) embedding();
        else if (op == OP_SOFTMAX_BACK) softmaxBackward();
        else if (op == OP_RMS_NORM_BACK) rmsNormBackward();
        else if (op == OP_CROSS_ENTROPY) crossEntropy();
        else if (op == OP_EMBEDDING_BACK) embeddingBackward();
        else copy();
    }

    // ------------------------------------------------------------------ transfers
    private void copy() {
        int i = getGlobalId();
        if (op == OP_CANARY) {
            if (i == 0) heap[0] = 1f;
        } else if (i < n) {
            if (op == OP_COPY_IN_F) heap[dst + i] = upF[i];
            else if (op == OP_COPY_IN_B) {
                if (sub == 0) raw[dst + i] = upB[i];
                else if (sub == 1) raw1[dst + i] = upB[i];
                else if (sub == 2) raw2[dst + i] = upB[i];
                else raw3[dst + i] = upB[i];
            }
            else if (op == OP_COPY_IN_I) ints[dst + i] = upI[i];
            else dlF[i] = heap[src + i];
        }
        // The download buffer carries one extra cell: the device's canary, checked on the host.
        if (op == OP_COPY_OUT_F && i == 0) dlF[n] = heap[0];
    }

    // ------------------------------------------------------------------ tiled matmul
    /**
     * Classic local-memory tiling (each A and B element is read from global memory once per tile, then
     * TILE times from local memory); each work-item accumulates WPT rows of one column. Operands are
     * read through strides, so Bᵀ and head-broadcast (GQA) views need no copy.
     */
    private void matmul() {
        int lc = getLocalId(0), lr = getLocalId(1);
        int tileRow = getGroupId(1) * TILE, col = getGroupId(0) * TILE + lc;
        int bz = getGlobalId(2);
        int outer = bz / batchInner, inner = bz % batchInner;
        int aBase = aOff + outer * aOuter + (inner / aGroup) * aInner;
        int bBase = bOff + outer * bOuter + (inner / bGroup) * bInner;
        float acc0 = 0f, acc1 = 0f, acc2 = 0f, acc3 = 0f;
        for (int t = 0; t < mmK; t += TILE) {
            for (int w = 0; w < WPT; w++) {
                int r = lr + w * TILE_ROWS;
                int ar = tileRow + r, ak = t + lc;
                float av = 0f;
                if (ar < mmM && ak < mmK) av = heap[aBase + ar * aRS + ak * aCS];
                tileA[r * TILE + lc] = av;
                int bk = t + r;
                float bv = 0f;
                if (bk < mmK && col < mmN) bv = heap[bBase + bk * bRS + col * bCS];
                tileB[r * TILE + lc] = bv;
            }
            localBarrier();
            for (int q = 0; q < TILE; q++) {
                float bv = tileB[q * TILE + lc];
                acc0 += tileA[lr * TILE + q] * bv;
                acc1 += tileA[(lr + TILE_ROWS) * TILE + q] * bv;
                acc2 += tileA[(lr + 2 * TILE_ROWS) * TILE + q] * bv;
                acc3 += tileA[(lr + 3 * TILE_ROWS) * TILE + q] * bv;
            }
            localBarrier();
        }
        if (col < mmN) {
            int cBase = dst + bz * mmM * mmN + col;
            int r0 = tileRow + lr;
            if (r0 < mmM) heap[cBase + r0 * mmN] = alpha * acc0;
            if (r0 + TILE_ROWS < mmM) heap[cBase + (r0 + TILE_ROWS) * mmN] = alpha * acc1;
            if (r0 + 2 * TILE_ROWS < mmM) heap[cBase + (r0 + 2 * TILE_ROWS) * mmN] = alpha * acc2;
            if (r0 + 3 * TILE_ROWS < mmM) heap[cBase + (r0 + 3 * TILE_ROWS) * mmN] = alpha * acc3;
        }
    }

    // ------------------------------------------------------------------ fused dequantize matvec
    /**
     * y[m, j] = Σ_k x[m, k] · W[j, k] with W [N, K] in its raw encoding (BF16/F16/Q8_0/Q4_0 bytes at
     * {@link #wOff}); one work-group per output, the K loop split over the group, then a local-memory
     * tree reduction. The block formats decode their f16 scale once per 32-element block (ggml
     * block_q8_0: 32 int8; block_q4_0: 16 bytes, byte e's low nibble element e, high nibble e + 16,
     * value nibble − 8).
     */
    private void linearRaw() {
        int g = getGroupId(0), t = getLocalId(0);
        int m = g / mmN, j = g % mmN;
        int xBase = src + m * mmK;
        float partial = 0f;
        if (wCode == W_Q8_0) {
            int blocks = mmK / 32;
            for (int b = t; b < blocks; b += ROW_GROUP) {
                int base = wOff + (j * blocks + b) * 34;
                float s = 0f;
                for (int e = 0; e < 32; e++) s += rawByte(base + 2 + e) * heap[xBase + b * 32 + e];
                partial += f16(u16(base)) * s;
            }
        } else if (wCode == W_Q4_0) {
            int blocks = mmK / 32;
            for (int b = t; b < blocks; b += ROW_GROUP) {
                int base = wOff + (j * blocks + b) * 18;
                int x0 = xBase + b * 32;
                float s = 0f;
                for (int e = 0; e < 16; e++) {
                    int q = rawByte(base + 2 + e) & 255;
                    s += ((q & 15) - 8) * heap[x0 + e] + ((q >> 4) - 8) * heap[x0 + 16 + e];
                }
                partial += f16(u16(base)) * s;
            }
        } else {
            int rowBase = wOff + j * mmK * 2;
            for (int k = t; k < mmK; k += ROW_GROUP) partial += half16(wCode, u16(rowBase + 2 * k)) * heap[xBase + k];
        }
        float total = reduceSum(partial);
        if (t == 0) heap[dst + m * mmN + j] = total;
    }

    // ------------------------------------------------------------------ elementwise
    private void binary() {
        int i = getGlobalId();
        if (i < n) {
            int i3 = i % d3, r = i / d3;
            int i2 = r % d2;
            r = r / d2;
            int i1 = r % d1, i0 = r / d1;
            float a = heap[aOff + i0 * aS0 + i1 * aS1 + i2 * aS2 + i3 * aS3];
            float b = heap[bOff + i0 * bS0 + i1 * bS1 + i2 * bS2 + i3 * bS3];
            float y = a + b;
            if (sub == BIN_SUB) y = a - b;
            else if (sub == BIN_MUL) y = a * b;
            else if (sub == BIN_DIV) y = a / b;
            else if (sub == BIN_MAX) y = max(a, b);
            else if (sub == BIN_MIN) y = min(a, b);
            else if (sub == BIN_FIRST) y = a;
            // b · silu'(a), silu'(a) = σ(a)·(1 + a·(1 − σ(a))): the SwiGLU gate's backward
            else if (sub == BIN_SILU_GRAD) {
                float sg = 1f / (1f + exp(-a));
                y = b * sg * (1f + a * (1f - sg));
            }
            heap[dst + i0 * cS0 + i1 * cS1 + i2 * cS2 + i3 * cS3] = y;
        }
    }

    private void unary() {
        int i = getGlobalId();
        if (i < n) heap[dst + i] = unaryOf(heap[src + i]);
    }

    private float unaryOf(float x) {
        float y = x;
        if (sub == UN_EXP) y = exp(x);
        else if (sub == UN_LOG) y = log(x);
        else if (sub == UN_SQRT) y = sqrt(x);
        else if (sub == UN_RSQRT) y = 1f / sqrt(x);
        else if (sub == UN_TANH) y = tanh(x);
        else if (sub == UN_SIGMOID) y = 1f / (1f + exp(-x));
        else if (sub == UN_SILU) y = x / (1f + exp(-x));
        else if (sub == UN_RELU) y = max(x, 0f);
        else if (sub == UN_NEG) y = -x;
        else if (sub == UN_ABS) y = abs(x);
        else if (sub == UN_SQUARE) y = x * x;
        else if (sub == UN_GELU) y = 0.5f * x * (1f + erf(x * 0.70710678f));
        // tanh form: 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))
        else if (sub == UN_GELU_TANH) y = 0.5f * x * (1f + tanh(0.7978845608f * (x + 0.044715f * x * x * x)));
        else if (sub == UN_QUICK_GELU) y = x / (1f + exp(-1.702f * x));
        else if (sub == UN_ADD_SCALAR) y = x + param;
        else if (sub == UN_MUL_SCALAR) y = x * param;
        else if (sub == UN_POW) y = pow(x, param);
        return y;
    }

    /** erf by Abramowitz & Stegun 7.1.26 (|error| ≤ 1.5e-7); OpenCL has erf but Aparapi does not map it. */
    private float erf(float x) {
        float ax = abs(x);
        float t = 1f / (1f + 0.3275911f * ax);
        float poly = t * (0.254829592f + t * (-0.284496736f + t * (1.421413741f + t * (-1.453152027f + t * 1.061405429f))));
        float y = 1f - poly * exp(-ax * ax);
        if (x < 0f) y = -y;
        return y;
    }

    // ------------------------------------------------------------------ softmax (one or two masked branches)
    /**
     * Row-wise softmax of alpha·x (+ mask), one work-group per row. With {@code sub == 2} it is the MMCA
     * two-branch form P = softmax(S + M_A) + softmax(S + M_B) (deepspeed-visualchat.md §2.2), with the
     * strict reading of an empty branch: a branch whose row is all −∞ contributes zero, as does a plain
     * softmax row that is all −∞ (no NaN, no uniform leak).
     */
    private void softmax() {
        int row = getGroupId(0), t = getLocalId(0);
        int xBase = src + row * cols;
        int mA = maskRow(row, mAOff, mAS0, mAS1, mAS2), mB = maskRow(row, mBOff, mBS0, mBS1, mBS2);
        float maxA = rowMax(xBase, mA, 0), maxB = Float.NEGATIVE_INFINITY;
        if (sub == 2) maxB = rowMax(xBase, mB, 1);
        float sumA = 0f, sumB = 0f;
        for (int c = t; c < cols; c += ROW_GROUP) {
            float s = alpha * heap[xBase + c];
            sumA += branchExp(s + maskA(mA, c), maxA);
            if (sub == 2) sumB += branchExp(s + heap[mB + c * mBS3], maxB);
        }
        sumA = reduceSum(sumA);
        if (sub == 2) sumB = reduceSum(sumB);
        for (int c = t; c < cols; c += ROW_GROUP) {
            float s = alpha * heap[xBase + c];
            float p = 0f;
            if (maxA > Float.NEGATIVE_INFINITY) p = branchExp(s + maskA(mA, c), maxA) / sumA;
            if (sub == 2 && maxB > Float.NEGATIVE_INFINITY) p += branchExp(s + heap[mB + c * mBS3], maxB) / sumB;
            heap[dst + row * cols + c] = p;
        }
    }

    /** Where softmax row {@code row} (over dims d0, d1, d2) starts in a mask with those strides. */
    private int maskRow(int row, int offset, int s0, int s1, int s2) {
        int rr = row / d2;
        return offset + (rr / d1) * s0 + (rr % d1) * s1 + (row % d2) * s2;
    }

    /** max over the row of alpha·x + mask of branch A (0) or B (1), reduced over the work-group. */
    private float rowMax(int xBase, int maskBase, int branch) {
        float m = Float.NEGATIVE_INFINITY;
        for (int c = getLocalId(0); c < cols; c += ROW_GROUP) {
            float mask = 0f;
            if (branch == 0) mask = maskA(maskBase, c);
            else mask = heap[maskBase + c * mBS3];
            m = max(m, alpha * heap[xBase + c] + mask);
        }
        return reduceMax(m);
    }

    private float maskA(int base, int c) {
        float m = 0f;
        if (sub > 0) m = heap[base + c * mAS3];
        return m;
    }

    /** exp(v − max), 0 for masked entries and for an all-masked row (max = −∞ would give NaN). */
    private float branchExp(float v, float rowMax) {
        float e = 0f;
        if (v > Float.NEGATIVE_INFINITY) e = exp(v - rowMax);
        return e;
    }

    /**
     * Backward of {@link #softmax()} (same rows, scale and masks): with the branch probabilities P_A, P_B
     * recomputed from the scores x, dx = alpha·Σ_branch P ⊙ (dP − Σ_c P·dP) (the softmax Jacobian per
     * branch, deepspeed-visualchat.md §2.2 sums the branches). dP is at {@link #bOff}; masked entries,
     * and empty branches, get zero. A REFERENCE row whose visible entries are all μ = finfo.min is the
     * uniform softmax and gets its Jacobian, as in PyTorch autograd.
     */
    private void softmaxBackward() {
        int row = getGroupId(0), t = getLocalId(0);
        int xBase = src + row * cols, gBase = bOff + row * cols;
        int mA = maskRow(row, mAOff, mAS0, mAS1, mAS2), mB = maskRow(row, mBOff, mBS0, mBS1, mBS2);
        float maxA = rowMax(xBase, mA, 0), maxB = Float.NEGATIVE_INFINITY;
        if (sub == 2) maxB = rowMax(xBase, mB, 1);
        float sumA = 0f, sumB = 0f, dotA = 0f, dotB = 0f;
        for (int c = t; c < cols; c += ROW_GROUP) {
            float s = alpha * heap[xBase + c], dp = heap[gBase + c];
            float eA = branchExp(s + maskA(mA, c), maxA);
            sumA += eA;
            dotA += eA * dp;
            if (sub == 2) {
                float eB = branchExp(s + heap[mB + c * mBS3], maxB);
                sumB += eB;
                dotB += eB * dp;
            }
        }
        sumA = reduceSum(sumA);
        dotA = reduceSum(dotA);
        if (sub == 2) {
            sumB = reduceSum(sumB);
            dotB = reduceSum(dotB);
        }
        for (int c = t; c < cols; c += ROW_GROUP) {
            float s = alpha * heap[xBase + c], dp = heap[gBase + c];
            float d = 0f;
            if (maxA > Float.NEGATIVE_INFINITY) d = branchExp(s + maskA(mA, c), maxA) / sumA * (dp - dotA / sumA);
            if (sub == 2 && maxB > Float.NEGATIVE_INFINITY) d += branchExp(s + heap[mB + c * mBS3], maxB) / sumB * (dp - dotB / sumB);
            heap[dst + row * cols + c] = alpha * d;
        }
    }

    /**
     * Cross-entropy of logits rows [rows, cols] against int labels at {@link #posOff} (label −100 =
     * ignored), one work-group per row: loss_r = logsumexp(x_r) − x_r[label] into {@link #aOff} + r, and
     * dx_r = (softmax(x_r) − onehot(label))·{@link #param} (param = 1/number of kept labels: the token
     * mean's gradient) into dst. Ignored rows get loss 0 and a zero gradient.
     */
    private void crossEntropy() {
        int row = getGroupId(0), t = getLocalId(0);
        int base = src + row * cols, label = ints[posOff + row];
        float m = Float.NEGATIVE_INFINITY;
        for (int c = t; c < cols; c += ROW_GROUP) m = max(m, heap[base + c]);
        m = reduceMax(m);
        float sum = 0f;
        for (int c = t; c < cols; c += ROW_GROUP) sum += exp(heap[base + c] - m);
        sum = reduceSum(sum);
        float scale = param;
        if (label < 0) scale = 0f;
        for (int c = t; c < cols; c += ROW_GROUP) {
            float p = exp(heap[base + c] - m) / sum;
            if (c == label) p = p - 1f;
            heap[dst + row * cols + c] = scale * p;
        }
        if (t == 0) {
            float loss = 0f;
            if (label >= 0) loss = m + log(sum) - heap[base + label];
            heap[aOff + row] = loss;
        }
    }

    // ------------------------------------------------------------------ norms
    /**
     * RMSNorm (HF LlamaRMSNorm: x·rsqrt(mean(x²) + eps)·w) or LayerNorm ((x − mean)·rsqrt(var + eps)·w + b,
     * biased variance, two passes for stability), one work-group per row.
     */
    private void norm() {
        int row = getGroupId(0), t = getLocalId(0);
        int base = src + row * cols;
        float mean = 0f;
        if (sub == NORM_LAYER) {
            float s = 0f;
            for (int c = t; c < cols; c += ROW_GROUP) s += heap[base + c];
            mean = reduceSum(s) / cols;
        }
        float sq = 0f;
        for (int c = t; c < cols; c += ROW_GROUP) {
            float v = heap[base + c] - mean;
            sq += v * v;
        }
        float inv = 1f / sqrt(reduceSum(sq) / cols + param);
        for (int c = t; c < cols; c += ROW_GROUP) {
            float y = (heap[base + c] - mean) * inv;
            if (wOff >= 0) y = y * heap[wOff + c];
            if (biasOff >= 0) y = y + heap[biasOff + c];
            heap[dst + row * cols + c] = y;
        }
    }

    /**
     * RMSNorm backward for the input (the weight is frozen): with r = rsqrt(mean(x²) + eps) and
     * g = dy⊙w, dx = r·g − x·r³·(Σ g⊙x)/cols (differentiating y = x·r·w). dy is at {@link #bOff}.
     */
    private void rmsNormBackward() {
        int row = getGroupId(0), t = getLocalId(0);
        int base = src + row * cols, gBase = bOff + row * cols;
        float sq = 0f, dot = 0f;
        for (int c = t; c < cols; c += ROW_GROUP) {
            float x = heap[base + c], g = heap[gBase + c];
            if (wOff >= 0) g = g * heap[wOff + c];
            sq += x * x;
            dot += g * x;
        }
        float r = 1f / sqrt(reduceSum(sq) / cols + param);
        float k = reduceSum(dot) * r * r * r / cols;
        for (int c = t; c < cols; c += ROW_GROUP) {
            float g = heap[gBase + c];
            if (wOff >= 0) g = g * heap[wOff + c];
            heap[dst + row * cols + c] = r * g - heap[base + c] * k;
        }
    }

    // ------------------------------------------------------------------ rotary embedding
    /**
     * Rotates pair i of x [B, H, S, D] at position p by the angle p·θ^(−2i/D), whose cos and sin come
     * from the host-built table [positions, D/2] at {@link #cosOff}/{@link #sinOff} (angles formed in
     * double there, as the CPU RopeTable does). HALF pairs (i, i + D/2) (HF rotate_half), INTERLEAVED
     * pairs (2i, 2i + 1) (Meta). One work-item per pair; writes to dst. With {@link #param} = −1 it rotates
     * by −angle: the rotation is orthogonal, so that is its backward (dx = Rᵀ·dy).
     */
    private void rope() {
        int g = getGlobalId();
        if (g < n) {
            int halfD = cols / 2;
            int i = g % halfD, row = g / halfD;
            int s = row % ropeS, b = row / (ropeS * ropeH);
            int at = ints[posOff + b * posBatchStride + s] * halfD + i;
            float cs = heap[cosOff + at], sn = param * heap[sinOff + at];   // param −1: the inverse rotation (backward)
            int i1 = i, i2 = i + halfD;
            if (sub == ROPE_INTERLEAVED) {
                i1 = 2 * i;
                i2 = 2 * i + 1;
            }
            int base = row * cols;
            float x1 = heap[src + base + i1], x2 = heap[src + base + i2];
            heap[dst + base + i1] = x1 * cs - x2 * sn;
            heap[dst + base + i2] = x2 * cs + x1 * sn;
        }
    }

    // ------------------------------------------------------------------ embedding gather
    private void embedding() {
        int g = getGlobalId();
        if (g < n) {
            int r = g / cols, c = g % cols;
            int id = r;   // src < 0: every row in order, i.e. the whole table decoded to F32 (dequantize)
            if (src >= 0) id = ints[src + r];
            heap[dst + g] = weightAt(id * cols + c);
        }
    }

    /** Element e of the weight at {@link #wOff} in encoding {@link #wCode}, decoded to float. */
    private float weightAt(int e) {
        float v = 0f;
        if (wCode == W_F32) v = heap[wOff + e];
        else if (wCode == W_Q8_0) {
            int base = wOff + (e / 32) * 34;
            v = f16(u16(base)) * rawByte(base + 2 + e % 32);
        } else if (wCode == W_Q4_0) {
            int base = wOff + (e / 32) * 18, within = e % 32;
            int q = rawByte(base + 2 + within % 16) & 255;
            if (within >= 16) q = q >> 4;
            v = f16(u16(base)) * ((q & 15) - 8);
        } else v = half16(wCode, u16(wOff + 2 * e));
        return v;
    }

    /**
     * Embedding backward without atomics, hence deterministic: dTable[v, c] += Σ dy[i, c] over the
     * positions i whose id is v, summed in position order. The host groups positions by id (CSR: the
     * distinct ids at {@link #src}, their start offsets at {@link #posOff} (one more than ids), the
     * positions at {@link #aOff}); one work-item per (distinct id, column) owns its output cell.
     */
    private void embeddingBackward() {
        int g = getGlobalId();
        if (g < n) {
            int u = g / cols, c = g % cols;
            float acc = 0f;
            for (int at = ints[posOff + u]; at < ints[posOff + u + 1]; at++) acc += heap[bOff + ints[aOff + at] * cols + c];
            int cell = dst + ints[src + u] * cols + c;
            heap[cell] = heap[cell] + acc;
        }
    }

    // ------------------------------------------------------------------ helpers
    /** Sum over the work-group (all items must call it); leaves {@link #red} free for the next use. */
    private float reduceSum(float v) {
        int t = getLocalId(0);
        red[t] = v;
        localBarrier();
        for (int s = ROW_GROUP / 2; s > 0; s = s / 2) {
            if (t < s) red[t] = red[t] + red[t + s];
            localBarrier();
        }
        float total = red[0];
        localBarrier();
        return total;
    }

    private float reduceMax(float v) {
        int t = getLocalId(0);
        red[t] = v;
        localBarrier();
        for (int s = ROW_GROUP / 2; s > 0; s = s / 2) {
            if (t < s) red[t] = max(red[t], red[t + s]);
            localBarrier();
        }
        float total = red[0];
        localBarrier();
        return total;
    }

    /** Little-endian unsigned 16-bit value at byte {@code at} of the weight's byte arena {@link #wArena}. */
    private int u16(int at) {
        return (rawByte(at) & 255) | ((rawByte(at + 1) & 255) << 8);
    }

    /** Signed byte {@code at} of byte arena {@link #wArena} (uniform across a launch, so the branch costs little). */
    private int rawByte(int at) {
        int v = 0;
        if (wArena == 0) v = raw[at];
        else if (wArena == 1) v = raw1[at];
        else if (wArena == 2) v = raw2[at];
        else v = raw3[at];
        return v;
    }

    /** The host array behind byte arena {@code i}. */
    byte[] rawArena(int i) {
        return i == 0 ? raw : i == 1 ? raw1 : i == 2 ? raw2 : raw3;
    }

    private float half16(int code, int bits) {
        float v = 0f;   // Aparapi scopes a declaration without initialiser inside the first branch
        if (code == W_BF16) v = bf16(bits);
        else v = f16(bits);
        return v;
    }

    /** IEEE binary16 → float, exact: (1 + m/1024)·2^(e−15), subnormals m·2^−24, e = 31 ∞/NaN. */
    private float f16(int bits) {
        int e = (bits >> 10) & 31, m = bits & 1023;
        float mag = pow2[e + 112] * (1f + m * (1f / 1024f));
        if (e == 0) mag = m * 5.9604645E-8f;
        if (e == 31) {
            mag = Float.POSITIVE_INFINITY;
            if (m != 0) mag = Float.NaN;
        }
        if ((bits & 0x8000) != 0) mag = -mag;
        return mag;
    }

    /** bfloat16 → float, exact for normals: (1 + m/128)·2^(e−127); subnormals may flush on the device. */
    private float bf16(int bits) {
        int e = (bits >> 7) & 255, m = bits & 127;
        float mag = pow2[e] * (1f + m * (1f / 128f));
        if (e == 0) mag = pow2[1] * (m * (1f / 128f));
        if (e == 255 && m != 0) mag = Float.NaN;
        if ((bits & 0x8000) != 0) mag = -mag;
        return mag;
    }
}
