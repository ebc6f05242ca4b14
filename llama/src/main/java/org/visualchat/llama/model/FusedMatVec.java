package org.visualchat.llama.model;

import org.visualchat.tensor.Tensor;
import org.visualchat.tensor.WorkerPool;
import org.visualchat.tensor.kernels.MatVec;

import java.lang.foreign.MemorySegment;

/**
 * Decode-step products of one activation row against several weights in ONE parallel loop: the q, k
 * and v projections of a layer, and the SwiGLU gate and up projections with silu(g)·u applied as each
 * row pair is finished. Per token this halves the fork/join points of a layer and never writes the
 * gate and up activations out; the weight rows are streamed once each in their stored dtype by
 * {@link MatVec#rows} (fused dequantize-dot, several rows per pass over the activation).
 */
final class FusedMatVec {
    private FusedMatVec() {}

    /** Rows per task: enough weight bytes that the hand-out counter is noise next to streaming them. */
    private static final int MIN_ROWS = 16;

    /** out[i] = weights[i]·x, each weight [n_i, k] with contiguous rows, all in one parallel loop. */
    static float[][] multiply(float[] x, Tensor... weights) {
        float[][] out = new float[weights.length][];
        int[] starts = new int[weights.length + 1];
        for (int i = 0; i < weights.length; i++) {
            out[i] = new float[weights[i].dim(0)];
            starts[i + 1] = starts[i] + weights[i].dim(0);
        }
        WorkerPool.get().parallelFor(starts[weights.length], MIN_ROWS, (from, to) -> {
            for (int w = 0; w < weights.length; w++) {
                int lo = Math.max(from, starts[w]), hi = Math.min(to, starts[w + 1]);
                if (lo < hi) rows(weights[w], lo - starts[w], hi - starts[w], x, out[w]);
            }
        });
        return out;
    }

    /** silu(gate·x)·(up·x) for gate, up [f, k]: the SwiGLU hidden activation of one row. */
    static float[] swiGlu(float[] x, Tensor gate, Tensor up) {
        float[] out = new float[gate.dim(0)], upOut = new float[out.length];
        WorkerPool.get().parallelFor(out.length, MIN_ROWS, (from, to) -> {
            rows(gate, from, to, x, out);
            rows(up, from, to, x, upOut);
            for (int r = from; r < to; r++) {
                float g = out[r];
                out[r] = g / (1 + (float) Math.exp(-g)) * upOut[r];
            }
        });
        return out;
    }

    /** out[r] = w[r]·x for rows [from, to) of w [n, k], by {@link MatVec#rows} (groups of rows share activation loads). */
    private static void rows(Tensor w, int from, int to, float[] x, float[] out) {
        long first = w.byteOffset(w.offset()), rowBytes = w.byteOffset(w.offset() + w.stride(0)) - first;
        MatVec.rows(w.dtype(), w.storage().segment(), first, rowBytes, from, to, x, w.dim(1), MemorySegment.ofArray(out), 0, 1);
    }
}
