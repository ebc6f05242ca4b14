package org.visualchat.tensor.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import org.visualchat.tensor.DType;

import java.lang.foreign.MemorySegment;

import static org.visualchat.tensor.kernels.Dequantize.BLOCK;
import static org.visualchat.tensor.kernels.Dequantize.F;
import static org.visualchat.tensor.kernels.Dequantize.LANES;
import static org.visualchat.tensor.kernels.MatVec.BLOCK_IS_TWO_VECTORS;
import static org.visualchat.tensor.kernels.MatVec.Q4_BYTES;
import static org.visualchat.tensor.kernels.MatVec.lanes;
import static org.visualchat.tensor.kernels.MatVec.scale;

/**
 * ys[b] = W·xs[b] for several activation rows (decoding several sequences per step), each ys[b][r] bit for
 * bit {@link MatVec#dot} of row r and xs[b], so a sequence decoded with others gets exactly what it gets
 * alone. Each format takes the route measured fastest (thread CPU time, 5632×2048 weights from DRAM, 4
 * activation rows; tensor/docs/matmul.md): Q4_0 converts each weight block ONCE and FMAs it into one
 * accumulator pair per activation row (1.13–1.16× the per-row route); the other formats run
 * {@link MatVec#rows} per activation row over blocks of {@link #ROW_BLOCK} weight rows, so a block is read
 * from memory once and re-read from cache, as the conversion-sharing kernels measured slower there
 * (BF16 0.78–0.99×, Q8_0 0.82–0.93×, F16 0.94×: the per-row FMA and activation-load work, not the
 * conversion, bounds them).
 */
public final class BatchMatVec {
    private BatchMatVec() {}

    /** Weight rows whose bytes (16 × a few KiB) stay in cache while every activation row is dotted with them. */
    private static final int ROW_BLOCK = 16;

    /**
     * ys[b][r] = Σ_i W[r, i]·xs[b][i] for rows r in [from, to) and every b, on the calling thread. Row r
     * of W (format {@code type}, {@code k} elements, whole blocks of 32 if quantized) starts at byte
     * {@code firstRowByte + r·rowBytes} of {@code w}; every xs[b] has at least k elements, every ys[b]
     * more than {@code to - 1}.
     */
    public static void rows(DType type, MemorySegment w, long firstRowByte, long rowBytes, int from, int to, float[][] xs, int k, float[][] ys) {
        if (xs.length != ys.length) throw new IllegalArgumentException("batch matvec: " + xs.length + " activation rows but " + ys.length + " outputs");
        if (type == DType.Q4_0 && xs.length > 1 && BLOCK_IS_TWO_VECTORS) { // the kernel below assumes a block is two vectors
            if (k % BLOCK != 0) throw new IllegalArgumentException(type + " weight rows must be whole blocks of 32, got k = " + k);
            MatVec.onNative(w, s -> rowsQ4(s, firstRowByte, rowBytes, from, to, xs, k, ys));
            return;
        }
        int block = xs.length == 1 ? to - from : ROW_BLOCK; // one activation row re-reads nothing: one call, one setup
        for (int r = from; r < to; r += block) {
            int end = Math.min(to, r + block);
            for (int b = 0; b < xs.length; b++) MatVec.rows(type, w, firstRowByte, rowBytes, r, end, xs[b], k, MemorySegment.ofArray(ys[b]), 0, 1);
        }
    }

    /**
     * For each weight row, the activation rows two at a time: one accumulator per activation row (the
     * single-row kernel's), two in all. Four activation rows per pass (eight accumulators) measured 10×
     * slower for Q8_0: C2 boxes the vectors. A last odd activation row repeats itself and stores once.
     */
    private static void rowsQ4(MemorySegment s, long first, long rowBytes, int from, int to, float[][] xs, int k, float[][] ys) {
        for (int r = from; r < to; r++)
            for (int b = 0; b < xs.length; b += 2) dotQ4x2(s, first + r * rowBytes, xs, b, Math.min(2, xs.length - b), k / BLOCK, ys, r);
    }

    /**
     * The Q4_0 row at {@code at} against xs[b], xs[b + n − 1] (n = 1–2), results to ys[·][r]: per activation
     * row MatVec's rowsQ4 accumulator (every block in order into one), each block's nibbles converted once;
     * low nibbles are a block's elements 0–15, high nibbles 16–31. The same int-counted loop over the
     * row's own unbounded segment as MatVec's dotQ4.
     */
    private static void dotQ4x2(MemorySegment s, long at, float[][] xs, int b, int n, int blocks, float[][] ys, int r) {
        MemorySegment row = Dequantize.unbounded(s, at, (long) blocks * Q4_BYTES);
        float[] x0 = xs[b], x1 = xs[b + n - 1];
        FloatVector a0 = FloatVector.zero(F), a1 = a0;
        for (int pair = 0; pair < blocks / 2; pair++) {
            int o = 2 * pair * Q4_BYTES, xi = 2 * pair * BLOCK;
            IntVector p = Dequantize.q4Packed(row, o, 0);
            FloatVector lo = Dequantize.q4Low(p), hi = Dequantize.q4High(p), d = scale(row, o);
            a0 = block(lo, hi, x0, xi).fma(d, a0);
            a1 = block(lo, hi, x1, xi).fma(d, a1);
            IntVector q = Dequantize.q4Packed(row, o + Q4_BYTES, 0);
            FloatVector lo2 = Dequantize.q4Low(q), hi2 = Dequantize.q4High(q), e = scale(row, o + Q4_BYTES);
            a0 = block(lo2, hi2, x0, xi + BLOCK).fma(e, a0);
            a1 = block(lo2, hi2, x1, xi + BLOCK).fma(e, a1);
        }
        if (blocks % 2 != 0) {
            int last = blocks - 1, o = last * Q4_BYTES;
            IntVector p = Dequantize.q4Packed(row, o, 0);
            FloatVector lo = Dequantize.q4Low(p), hi = Dequantize.q4High(p), d = scale(row, o);
            a0 = block(lo, hi, x0, last * BLOCK).fma(d, a0);
            a1 = block(lo, hi, x1, last * BLOCK).fma(d, a1);
        }
        float[] l = lanes(a0, a1);
        store(ys, b, n, r, LaneSum.sum(l, 0), LaneSum.sum(l, LANES));
    }

    /**
     * Σ q·x of one block (unscaled) from its two converted weight vectors (elements 0–15, 16–31) and x's
     * 32 values at xi: w1·x1 + w0·x0 as one FMA onto one product, exactly MatVec's q4Block.
     */
    private static FloatVector block(FloatVector w0, FloatVector w1, float[] x, int xi) {
        return w1.fma(FloatVector.fromArray(F, x, xi + LANES), w0.mul(FloatVector.fromArray(F, x, xi)));
    }

    /** ys[b][r] = v0 and, if n = 2, ys[b + 1][r] = v1. */
    private static void store(float[][] ys, int b, int n, int r, float v0, float v1) {
        ys[b][r] = v0;
        if (n > 1) ys[b + 1][r] = v1;
    }
}
