package org.visualchat.llama.model;

import org.visualchat.tensor.Tensor;
import org.visualchat.tensor.WorkerPool;
import org.visualchat.tensor.kernels.BatchMatVec;
import org.visualchat.tensor.kernels.MatVec;

/**
 * Decode-step products of one activation row against several weights in ONE parallel loop: the q, k
 * and v projections of a layer, and the SwiGLU gate and up projections with silu(g)·u applied in the
 * same task. Per token this halves the fork/join points of a layer and never writes the
 * gate and up activations out; the weight rows are streamed once each in their stored dtype by
 * {@link BatchMatVec#rows} for one activation row or several (its {@link MatVec#rows}: fused dequantize-dot,
 * several weight rows per pass over the activation).
 */
final class FusedMatVec {
    private FusedMatVec() {}

    /** Rows per task: enough weight bytes that the hand-out counter is noise next to streaming them. */
    private static final int MIN_ROWS = 16;

    /**
     * Up to this many activation rows go through these row-streaming products rather than the GEMM: a
     * weight row (a few KiB) stays in L1 while it is dotted with each activation row, so the weights are read
     * from memory once for all rows, where the GEMM first repacks them into F32 panels. Measured on the
     * TinyLlama-shaped BF16 model, 1 thread: 4 rows took 1.48 s per step streamed, 2.19 s through the GEMM,
     * 0.46 s for 1 row; streaming grows by about a row's conversion work per row, so the two meet near 6.
     */
    static final int MAX_ROWS = 4;

    /** out[i] = weights[i]·x, each weight [n_i, k] with contiguous rows, all in one parallel loop. */
    static float[][] multiply(float[] x, Tensor... weights) {
        float[][][] rows = multiply(new float[][] {x}, weights);
        float[][] out = new float[weights.length][];
        for (int i = 0; i < weights.length; i++) out[i] = rows[i][0];
        return out;
    }

    /**
     * out[i][b] = weights[i]·xs[b] for every activation row b: each weight row is streamed from memory once
     * and dotted with all activation rows while it is in cache. {@link BatchMatVec#rows} gives every row the
     * single-row dot's exact sum, so row b gets exactly what it would get alone.
     */
    static float[][][] multiply(float[][] xs, Tensor... weights) {
        float[][][] out = new float[weights.length][xs.length][];
        int[] starts = new int[weights.length + 1];
        for (int i = 0; i < weights.length; i++) {
            for (int b = 0; b < xs.length; b++) out[i][b] = new float[weights[i].dim(0)];
            starts[i + 1] = starts[i] + weights[i].dim(0);
        }
        WorkerPool.get().parallelFor(starts[weights.length], MIN_ROWS, (from, to) -> {
            for (int w = 0; w < weights.length; w++) {
                int lo = Math.max(from, starts[w]), hi = Math.min(to, starts[w + 1]);
                if (lo < hi) rows(weights[w], lo - starts[w], hi - starts[w], xs, out[w]);
            }
        });
        return out;
    }

    /**
     * silu(gate·x_b)·(up·x_b) for gate, up [f, k]: the SwiGLU hidden activation of each row. Each task
     * streams its whole range of gate rows, then of up rows: alternating 16-row pieces of the two (64 KiB
     * each in BF16) restarted the streams every piece, and cost BF16 decode 1.14× (9.0–9.2 vs 10.3–10.6
     * tokens per CPU-second, TinyLlama shape, one thread).
     */
    static float[][] swiGlu(float[][] xs, Tensor gate, Tensor up) {
        float[][] out = new float[xs.length][gate.dim(0)], upOut = new float[xs.length][gate.dim(0)];
        WorkerPool.get().parallelFor(gate.dim(0), MIN_ROWS, (from, to) -> {
            rows(gate, from, to, xs, out);
            rows(up, from, to, xs, upOut);
            for (int b = 0; b < xs.length; b++) {
                for (int r = from; r < to; r++) {
                    float g = out[b][r];
                    out[b][r] = g / (1 + (float) Math.exp(-g)) * upOut[b][r];
                }
            }
        });
        return out;
    }

    /** The rows of x [..., k] (F32 or not) as float arrays. */
    static float[][] rows(Tensor x) {
        int k = x.dim(-1);
        float[] all = x.toFloatArray();
        float[][] rows = new float[all.length / k][];
        for (int b = 0; b < rows.length; b++) rows[b] = java.util.Arrays.copyOfRange(all, b * k, (b + 1) * k);
        return rows;
    }

    /** Rows [B][n] as an F32 tensor of {@code shape} (B·n elements). */
    static Tensor tensor(float[][] rows, int... shape) {
        int n = rows[0].length;
        float[] all = new float[rows.length * n];
        for (int b = 0; b < rows.length; b++) System.arraycopy(rows[b], 0, all, b * n, n);
        return Tensor.of(all, shape);
    }

    /**
     * out[b][r] = w[r]·xs[b] for rows [from, to) of w [n, k], by {@link BatchMatVec#rows} (every result equals
     * the single-row dot).
     */
    private static void rows(Tensor w, int from, int to, float[][] xs, float[][] out) {
        long first = w.byteOffset(w.offset()), rowBytes = w.byteOffset(w.offset() + w.stride(0)) - first;
        BatchMatVec.rows(w.dtype(), w.storage().segment(), first, rowBytes, from, to, xs, w.dim(1), out);
    }
}
