package org.visualchat.tensor.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import org.visualchat.tensor.DType;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

import static org.visualchat.tensor.kernels.Dequantize.BLOCK;
import static org.visualchat.tensor.kernels.Dequantize.F;
import static org.visualchat.tensor.kernels.Dequantize.LANES;
import static org.visualchat.tensor.kernels.MatVec.BLOCK_IS_TWO_VECTORS;
import static org.visualchat.tensor.kernels.MatVec.Q4_BYTES;
import static org.visualchat.tensor.kernels.MatVec.Q8_BYTES;
import static org.visualchat.tensor.kernels.MatVec.lanes;
import static org.visualchat.tensor.kernels.MatVec.scale;
import static org.visualchat.tensor.kernels.MatVec.tail;

/**
 * ys[b] = W·xs[b] for several activation rows (decoding several sequences at once): each weight vector
 * is loaded and converted ONCE and FMA'd into one accumulator per activation row, so B sequences cost
 * one weight conversion instead of B (the conversion, not memory, bounds BF16/F16/Q8_0/Q4_0 decode).
 * Every ys[b][r] is, bit for bit, {@link MatVec#dot} of row r and xs[b]: each accumulator sees the
 * single-row kernel's operations in its order and is finished by the same {@link LaneSum} tree.
 */
public final class BatchMatVec {
    private BatchMatVec() {}

    /**
     * ys[b][r] = Σ_i W[r, i]·xs[b][i] for rows r in [from, to) and every b, on the calling thread. Row r
     * of W (format {@code type}, {@code k} elements, whole blocks of 32 if quantized) starts at byte
     * {@code firstRowByte + r·rowBytes} of {@code w}; every xs[b] has at least k elements, every ys[b]
     * more than {@code to - 1}.
     */
    public static void rows(DType type, MemorySegment w, long firstRowByte, long rowBytes, int from, int to, float[][] xs, int k, float[][] ys) {
        if (xs.length != ys.length) throw new IllegalArgumentException("batch matvec: " + xs.length + " activation rows but " + ys.length + " outputs");
        if (xs.length == 1 || type.isQuantized() && !BLOCK_IS_TWO_VECTORS) {
            // One row: the single-row loops (which group weight rows instead) are as fast and waste nothing.
            // Vectors narrower than 16 lanes: the quantized kernels below assume a block is two vectors.
            for (int b = 0; b < xs.length; b++) MatVec.rows(type, w, firstRowByte, rowBytes, from, to, xs[b], k, MemorySegment.ofArray(ys[b]), 0, 1);
            return;
        }
        if (type.isQuantized() && k % BLOCK != 0) throw new IllegalArgumentException(type + " weight rows must be whole blocks of 32, got k = " + k);
        MethodHandle loop = ROW_LOOPS[type.ordinal()];
        if (loop == null) throw new IllegalArgumentException("matvec weight must be a float or block-quantized type, got " + type);
        MatVec.onNative(w, s -> {
            try {
                loop.invokeExact(s, firstRowByte, rowBytes, from, to, xs, k, ys);
            } catch (RuntimeException | Error e) {
                throw e;
            } catch (Throwable e) {
                throw new IllegalStateException(e); // the row loops throw nothing checked
            }
        });
    }

    /** Each format's row loop behind a method handle, compiled on its own: see MatVec's ROW_LOOPS for why. */
    private static final MethodHandle[] ROW_LOOPS = new MethodHandle[DType.values().length];

    static {
        MethodType rowLoop = MethodType.methodType(void.class, MemorySegment.class, long.class, long.class, int.class, int.class,
                float[][].class, int.class, float[][].class);
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            ROW_LOOPS[DType.F32.ordinal()] = lookup.findStatic(BatchMatVec.class, "rowsF32", rowLoop);
            ROW_LOOPS[DType.BF16.ordinal()] = lookup.findStatic(BatchMatVec.class, "rowsBf16", rowLoop);
            ROW_LOOPS[DType.F16.ordinal()] = lookup.findStatic(BatchMatVec.class, "rowsF16", rowLoop);
            ROW_LOOPS[DType.Q8_0.ordinal()] = lookup.findStatic(BatchMatVec.class, "rowsQ8", rowLoop);
            ROW_LOOPS[DType.Q4_0.ordinal()] = lookup.findStatic(BatchMatVec.class, "rowsQ4", rowLoop);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    // Row loops: for each weight row, the activation rows go in groups of four (F32, BF16) or two (F16,
    // whose conversion is four times BF16's Vector API calls, and Q8_0/Q4_0, which keep two accumulators
    // per row): one accumulator per activation row, the most C2 keeps unboxed within its inlining node
    // budget (see tensor/docs/matmul.md). The row is re-read from L1 by the next group. A last group of
    // fewer rows repeats its last activation row and stores only its own results.

    private static void rowsF32(MemorySegment s, long first, long rowBytes, int from, int to, float[][] xs, int k, float[][] ys) {
        for (int r = from; r < to; r++)
            for (int b = 0; b < xs.length; b += 4) dotF32x4(s, first + r * rowBytes, xs, b, Math.min(4, xs.length - b), k, ys, r);
    }

    private static void rowsBf16(MemorySegment s, long first, long rowBytes, int from, int to, float[][] xs, int k, float[][] ys) {
        for (int r = from; r < to; r++)
            for (int b = 0; b < xs.length; b += 4) dotBf16x4(s, first + r * rowBytes, xs, b, Math.min(4, xs.length - b), k, ys, r);
    }

    private static void rowsF16(MemorySegment s, long first, long rowBytes, int from, int to, float[][] xs, int k, float[][] ys) {
        for (int r = from; r < to; r++)
            for (int b = 0; b < xs.length; b += 2) dotF16x2(s, first + r * rowBytes, xs, b, Math.min(2, xs.length - b), k, ys, r);
    }

    private static void rowsQ8(MemorySegment s, long first, long rowBytes, int from, int to, float[][] xs, int k, float[][] ys) {
        for (int r = from; r < to; r++)
            for (int b = 0; b < xs.length; b += 2) dotQ8x2(s, first + r * rowBytes, xs, b, Math.min(2, xs.length - b), k / BLOCK, ys, r);
    }

    private static void rowsQ4(MemorySegment s, long first, long rowBytes, int from, int to, float[][] xs, int k, float[][] ys) {
        for (int r = from; r < to; r++)
            for (int b = 0; b < xs.length; b += 2) dotQ4x2(s, first + r * rowBytes, xs, b, Math.min(2, xs.length - b), k / BLOCK, ys, r);
    }

    // The kernels: MatVec's single-row kernels with the converted weight vector w shared, w.fma(x_b, a_b)
    // per activation row b (the same FMA, operands and order as the single row's).

    /** Row at {@code at} against xs[b], …, xs[b + n − 1] (n = 1–4), results to ys[·][r]. */
    private static void dotF32x4(MemorySegment s, long at, float[][] xs, int b, int n, int k, float[][] ys, int r) {
        s = MatVec.exact(s);
        float[] x0 = xs[b], x1 = xs[b + Math.min(1, n - 1)], x2 = xs[b + Math.min(2, n - 1)], x3 = xs[b + Math.min(3, n - 1)];
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        int i = 0;
        for (; i <= k - LANES; i += LANES) {
            FloatVector w = Dequantize.f32(s, at + 4L * i);
            a0 = w.fma(FloatVector.fromArray(F, x0, i), a0);
            a1 = w.fma(FloatVector.fromArray(F, x1, i), a1);
            a2 = w.fma(FloatVector.fromArray(F, x2, i), a2);
            a3 = w.fma(FloatVector.fromArray(F, x3, i), a3);
        }
        float[] l = lanes(a0, a1, a2, a3);
        store(ys, b, n, r, LaneSum.sum(l, 0) + tail(DType.F32, s, at, x0, i, k), LaneSum.sum(l, LANES) + tail(DType.F32, s, at, x1, i, k),
                LaneSum.sum(l, 2 * LANES) + tail(DType.F32, s, at, x2, i, k), LaneSum.sum(l, 3 * LANES) + tail(DType.F32, s, at, x3, i, k));
    }

    /** {@link #dotF32x4} for BF16 (one method per format: see tensor/docs/matmul.md). */
    private static void dotBf16x4(MemorySegment s, long at, float[][] xs, int b, int n, int k, float[][] ys, int r) {
        s = MatVec.exact(s);
        float[] x0 = xs[b], x1 = xs[b + Math.min(1, n - 1)], x2 = xs[b + Math.min(2, n - 1)], x3 = xs[b + Math.min(3, n - 1)];
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        int i = 0;
        for (; i <= k - LANES; i += LANES) {
            FloatVector w = Dequantize.bf16(s, at + 2L * i);
            a0 = w.fma(FloatVector.fromArray(F, x0, i), a0);
            a1 = w.fma(FloatVector.fromArray(F, x1, i), a1);
            a2 = w.fma(FloatVector.fromArray(F, x2, i), a2);
            a3 = w.fma(FloatVector.fromArray(F, x3, i), a3);
        }
        float[] l = lanes(a0, a1, a2, a3);
        store(ys, b, n, r, LaneSum.sum(l, 0) + tail(DType.BF16, s, at, x0, i, k), LaneSum.sum(l, LANES) + tail(DType.BF16, s, at, x1, i, k),
                LaneSum.sum(l, 2 * LANES) + tail(DType.BF16, s, at, x2, i, k), LaneSum.sum(l, 3 * LANES) + tail(DType.BF16, s, at, x3, i, k));
    }

    /** F16 row against xs[b], xs[b + n − 1] (n = 1–2). */
    private static void dotF16x2(MemorySegment s, long at, float[][] xs, int b, int n, int k, float[][] ys, int r) {
        s = MatVec.exact(s);
        float[] x0 = xs[b], x1 = xs[b + n - 1];
        FloatVector a0 = FloatVector.zero(F), a1 = a0;
        int i = 0;
        for (; i <= k - LANES; i += LANES) {
            FloatVector w = Dequantize.f16(s, at + 2L * i);
            a0 = w.fma(FloatVector.fromArray(F, x0, i), a0);
            a1 = w.fma(FloatVector.fromArray(F, x1, i), a1);
        }
        float[] l = lanes(a0, a1);
        store(ys, b, n, r, LaneSum.sum(l, 0) + tail(DType.F16, s, at, x0, i, k), LaneSum.sum(l, LANES) + tail(DType.F16, s, at, x1, i, k), 0, 0);
    }

    /**
     * Q8_0 row against xs[b], xs[b + n − 1] (n = 1–2): per activation row the single-row kernel's two
     * accumulators (even blocks into a, odd into c), each block's two weight vectors and scale shared.
     */
    private static void dotQ8x2(MemorySegment s, long at, float[][] xs, int b, int n, int blocks, float[][] ys, int r) {
        s = MatVec.exact(s);
        float[] x0 = xs[b], x1 = xs[b + n - 1];
        FloatVector a0 = FloatVector.zero(F), c0 = a0, a1 = a0, c1 = a0;
        int blk = 0;
        for (; blk + 1 < blocks; blk += 2, at += 2 * Q8_BYTES) {
            int xi = blk * BLOCK;
            FloatVector w0 = Dequantize.q8(s, at, 0), w1 = Dequantize.q8(s, at, 1), d = scale(s, at);
            a0 = block(w0, w1, x0, xi).fma(d, a0);
            a1 = block(w0, w1, x1, xi).fma(d, a1);
            FloatVector v0 = Dequantize.q8(s, at + Q8_BYTES, 0), v1 = Dequantize.q8(s, at + Q8_BYTES, 1), e = scale(s, at + Q8_BYTES);
            c0 = block(v0, v1, x0, xi + BLOCK).fma(e, c0);
            c1 = block(v0, v1, x1, xi + BLOCK).fma(e, c1);
        }
        if (blk < blocks) {
            FloatVector w0 = Dequantize.q8(s, at, 0), w1 = Dequantize.q8(s, at, 1), d = scale(s, at);
            a0 = block(w0, w1, x0, blk * BLOCK).fma(d, a0);
            a1 = block(w0, w1, x1, blk * BLOCK).fma(d, a1);
        }
        float[] l = lanes(a0.add(c0), a1.add(c1));
        store(ys, b, n, r, LaneSum.sum(l, 0), LaneSum.sum(l, LANES), 0, 0);
    }

    /** {@link #dotQ8x2} for Q4_0: a block's low nibbles are its elements 0–15, high nibbles 16–31. */
    private static void dotQ4x2(MemorySegment s, long at, float[][] xs, int b, int n, int blocks, float[][] ys, int r) {
        s = MatVec.exact(s);
        float[] x0 = xs[b], x1 = xs[b + n - 1];
        FloatVector a0 = FloatVector.zero(F), c0 = a0, a1 = a0, c1 = a0;
        int blk = 0;
        for (; blk + 1 < blocks; blk += 2, at += 2 * Q4_BYTES) {
            int xi = blk * BLOCK;
            IntVector p = Dequantize.q4Packed(s, at, 0);
            FloatVector lo = Dequantize.q4Low(p), hi = Dequantize.q4High(p), d = scale(s, at);
            a0 = block(lo, hi, x0, xi).fma(d, a0);
            a1 = block(lo, hi, x1, xi).fma(d, a1);
            IntVector q = Dequantize.q4Packed(s, at + Q4_BYTES, 0);
            FloatVector lo2 = Dequantize.q4Low(q), hi2 = Dequantize.q4High(q), e = scale(s, at + Q4_BYTES);
            c0 = block(lo2, hi2, x0, xi + BLOCK).fma(e, c0);
            c1 = block(lo2, hi2, x1, xi + BLOCK).fma(e, c1);
        }
        if (blk < blocks) {
            IntVector p = Dequantize.q4Packed(s, at, 0);
            FloatVector lo = Dequantize.q4Low(p), hi = Dequantize.q4High(p), d = scale(s, at);
            a0 = block(lo, hi, x0, blk * BLOCK).fma(d, a0);
            a1 = block(lo, hi, x1, blk * BLOCK).fma(d, a1);
        }
        float[] l = lanes(a0.add(c0), a1.add(c1));
        store(ys, b, n, r, LaneSum.sum(l, 0), LaneSum.sum(l, LANES), 0, 0);
    }

    /**
     * Σ q·x of one block (unscaled) from its two converted weight vectors (elements 0–15, 16–31) and x's
     * 32 values at xi: w1·x1 + w0·x0 as one FMA onto one product, exactly MatVec's q8Block/q4Block.
     */
    private static FloatVector block(FloatVector w0, FloatVector w1, float[] x, int xi) {
        return w1.fma(FloatVector.fromArray(F, x, xi + LANES), w0.mul(FloatVector.fromArray(F, x, xi)));
    }

    /** ys[b + j][r] = v_j for j &lt; n (1–4). */
    private static void store(float[][] ys, int b, int n, int r, float v0, float v1, float v2, float v3) {
        ys[b][r] = v0;
        if (n > 1) ys[b + 1][r] = v1;
        if (n > 2) ys[b + 2][r] = v2;
        if (n > 3) ys[b + 3][r] = v3;
    }
}
