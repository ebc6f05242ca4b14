package org.visualchat.tensor.ops;

import jdk.incubator.vector.FloatVector;
import org.visualchat.tensor.Tensor;
import org.visualchat.tensor.kernels.LaneSum;

import java.lang.foreign.MemorySegment;

import static org.visualchat.tensor.ops.VecMath.L;
import static org.visualchat.tensor.ops.VecMath.load;

/**
 * Normalisation over the last dimension D. Weight and bias are rank-1 [D] tensors of any float dtype
 * (read once per call, converted to F32); x may have any strides; results are contiguous F32.
 */
public final class Norm {
    private Norm() {}

    /**
     * LayerNorm (Ba et al.; torch.nn.LayerNorm): (x − μ)/√(σ² + eps)·weight + bias with the biased
     * variance σ² = mean((x − μ)²), computed in two passes. {@code weight} and {@code bias} may be null.
     */
    public static Tensor layerNorm(Tensor x, Tensor weight, Tensor bias, float eps) {
        return normalize(x, weight, bias, eps, false);
    }

    /** RMSNorm as HF LlamaRMSNorm: x·rsqrt(mean(x²) + eps)·weight ({@code weight} may be null). */
    public static Tensor rmsNorm(Tensor x, Tensor weight, float eps) {
        return normalize(x, weight, null, eps, true);
    }

    /**
     * Input gradient of {@link #rmsNorm} for output gradient {@code dy}: with r = 1/√(⟨x²⟩ + eps) and
     * ĝ = dy·w, dx = r·(ĝ − x̂·⟨ĝ·x̂⟩) = r·ĝ − x·r³·Σ(ĝ·x)/D per row — one pass over x and dy instead
     * of the chain of whole-tensor ops (and their temporaries) the formula spells out.
     */
    public static Tensor rmsNormBackward(Tensor x, Tensor weight, Tensor dy, float eps) {
        if (x.rank() == 0) throw new IllegalArgumentException("normalisation needs a tensor of rank >= 1, got a scalar");
        int[] shape = x.shape();
        if (!java.util.Arrays.equals(shape, dy.shape())) {
            throw new IllegalArgumentException("rms norm gradient " + org.visualchat.tensor.Shapes.toString(dy.shape()) + " does not match input " + org.visualchat.tensor.Shapes.toString(shape));
        }
        int n = shape[shape.length - 1];
        checkParameter("weight", weight, n);
        Tensor out = Tensor.empty(shape);
        MemorySegment os = out.storage().segment();
        RowLoop.Cursor w = weight == null ? null : RowLoop.whole(weight);
        MemorySegment ws = w == null ? null : w.segment(0);
        long wo = w == null ? 0 : w.offset(0);
        RowLoop.run(shape, new Tensor[] {x, dy}, (r, c) -> rmsBackwardRow(c.segment(0), c.offset(0), c.segment(1), c.offset(1), ws, wo, os, 4L * r * n, n, eps));
        return out;
    }

    private static void rmsBackwardRow(MemorySegment xs, long xo, MemorySegment gs, long go, MemorySegment ws, long wo,
                                       MemorySegment os, long oo, int n, float eps) {
        float r = (float) (1 / Math.sqrt(sumSquares(xs, xo, 0f, n) / n + eps));
        FloatVector acc = FloatVector.zero(VecMath.S);
        for (int i = 0; i < n; i += L) acc = VecMath.loadProduct(gs, go, ws, wo, i, n).fma(load(xs, xo, i, n), acc);    // ĝ = dy·w; tails load as 0
        float c = r * r * r * LaneSum.sum(acc) / n;
        for (int i = 0; i < n; i += L) {
            VecMath.store(VecMath.loadProduct(gs, go, ws, wo, i, n).mul(r).sub(load(xs, xo, i, n).mul(c)), os, oo, i, n);
        }
    }

    private static Tensor normalize(Tensor x, Tensor weight, Tensor bias, float eps, boolean rms) {
        if (x.rank() == 0) throw new IllegalArgumentException("normalisation needs a tensor of rank >= 1, got a scalar");
        int[] shape = x.shape();
        int n = shape[shape.length - 1];
        checkParameter("weight", weight, n);
        checkParameter("bias", bias, n);
        Tensor out = Tensor.empty(shape);
        MemorySegment os = out.storage().segment();
        RowLoop.Cursor w = weight == null ? null : RowLoop.whole(weight), b = bias == null ? null : RowLoop.whole(bias);
        MemorySegment ws = w == null ? null : w.segment(0), bs = b == null ? null : b.segment(0);
        long wo = w == null ? 0 : w.offset(0), bo = b == null ? 0 : b.offset(0);
        RowLoop.run(shape, new Tensor[] {x}, (r, c) -> row(c.segment(0), c.offset(0), ws, wo, bs, bo, os, 4L * r * n, n, eps, rms));
        return out;
    }

    private static void checkParameter(String name, Tensor p, int n) {
        if (p != null && (p.rank() != 1 || p.dim(0) != n)) {
            throw new IllegalArgumentException("norm " + name + " must have shape [" + n + "] to match the last dimension, got " + org.visualchat.tensor.Shapes.toString(p.shape()));
        }
    }

    /** One row: layer norm, or RMS norm when {@code rms} (mean taken as 0); null {@code ws}/{@code bs} mean no weight/bias. */
    static void row(MemorySegment xs, long xo, MemorySegment ws, long wo, MemorySegment bs, long bo,
                    MemorySegment os, long oo, int n, float eps, boolean rms) {
        float mean = rms ? 0f : Accumulate.rowSum(xs, xo, n) / n;
        float scale = (float) (1 / Math.sqrt(sumSquares(xs, xo, mean, n) / n + eps));
        scaleRow(xs, xo, mean, scale, ws, wo, bs, bo, os, oo, n);
    }

    /** Σ (xᵢ − mean)² */
    private static float sumSquares(MemorySegment s, long off, float mean, int n) {
        FloatVector acc = FloatVector.zero(VecMath.S);
        for (int i = 0; i < n; i += L) {
            FloatVector d = VecMath.tail(load(s, off, i, n).sub(mean), i, n, 0f);
            acc = d.fma(d, acc);
        }
        return LaneSum.sum(acc);
    }

    /** out = (x − mean)·scale·w + b, with w/b omitted when null. */
    private static void scaleRow(MemorySegment xs, long xo, float mean, float scale, MemorySegment ws, long wo,
                                 MemorySegment bs, long bo, MemorySegment os, long oo, int n) {
        for (int i = 0; i < n; i += L) {
            FloatVector y = load(xs, xo, i, n).sub(mean).mul(scale);
            if (ws != null) y = y.mul(load(ws, wo, i, n));
            if (bs != null) y = y.add(load(bs, bo, i, n));
            VecMath.store(y, os, oo, i, n);
        }
    }
}
