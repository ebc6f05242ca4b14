package org.visualchat.llama.model;

import org.visualchat.tensor.Tensor;
import org.visualchat.tensor.WorkerPool;
import org.visualchat.tensor.kernels.MatVec;

/**
 * Decode-step products of one activation row against several weights in ONE parallel loop: the q, k
 * and v projections of a layer, and the SwiGLU gate and up projections with silu(g)·u applied as each
 * row pair is finished. Per token this halves the fork/join points of a layer and never writes the
 * gate and up activations out; the weight rows are streamed once each in their stored dtype by
 * {@link MatVec#dot} (fused dequantize-dot).
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
                for (int r = lo; r < hi; r++) out[w][r - starts[w]] = rowDot(weights[w], r - starts[w], x);
            }
        });
        return out;
    }

    /** silu(gate·x)·(up·x) for gate, up [f, k]: the SwiGLU hidden activation of one row. */
    static float[] swiGlu(float[] x, Tensor gate, Tensor up) {
        float[] out = new float[gate.dim(0)];
        WorkerPool.get().parallelFor(out.length, MIN_ROWS, (from, to) -> {
            for (int r = from; r < to; r++) {
                float g = rowDot(gate, r, x);
                out[r] = g / (1 + (float) Math.exp(-g)) * rowDot(up, r, x);
            }
        });
        return out;
    }

    private static float rowDot(Tensor w, int row, float[] x) {
        int k = w.dim(1);
        long at = w.byteOffset(w.offset() + (long) row * w.stride(0));
        return MatVec.dot(w.dtype(), w.storage().segment(), at, x, k);
    }
}
