package org.visualchat.tensor.ops;

import jdk.incubator.vector.FloatVector;
import org.visualchat.tensor.Shapes;
import org.visualchat.tensor.Tensor;
import org.visualchat.tensor.kernels.LaneSum;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

import static org.visualchat.tensor.ops.VecMath.L;
import static org.visualchat.tensor.ops.VecMath.load;

/**
 * Softmax over the last dimension, numerically stable: softmax(x)ᵢ = exp(xᵢ − m) / Σⱼ exp(xⱼ − m) with
 * m = maxⱼ xⱼ. An optional additive mask (broadcast to x, may hold −inf) is added first; a row whose
 * every entry is −inf (fully masked) gives zeros rather than NaN, and −inf under logSoftmax.
 *
 * <pre>{@code
 * Tensor causal = ...;                              // [S, S]: 0 on/below the diagonal, −inf above
 * Tensor p = Softmax.softmax(scores, causal);       // scores [B, H, S, S]
 * }</pre>
 */
public final class Softmax {
    private Softmax() {}

    private static final Pointwise.ZipRow ADD = Pointwise.zipRow(Pointwise.Zip.ADD);
    private static final Pointwise.MapRow ADD_SCALAR = Pointwise.mapRow(Pointwise.Map.ADD_SCALAR);
    private static final Pointwise.MapRow MUL_SCALAR = Pointwise.mapRow(Pointwise.Map.MUL_SCALAR);

    public static Tensor softmax(Tensor x) {
        return rows(x, null, false);
    }

    public static Tensor softmax(Tensor x, Tensor additiveMask) {
        int[] shape = x.shape();
        if (!Arrays.equals(Shapes.broadcast(additiveMask.shape(), shape), shape)) {
            throw new IllegalArgumentException("softmax mask " + Shapes.toString(additiveMask.shape()) + " does not broadcast to scores " + Shapes.toString(shape));
        }
        return rows(x, additiveMask, false);
    }

    /** log(softmax(x)) = x − m − log Σ exp(x − m), without forming the softmax. */
    public static Tensor logSoftmax(Tensor x) {
        return rows(x, null, true);
    }

    private static Tensor rows(Tensor x, Tensor mask, boolean log) {
        int[] shape = x.shape();
        Tensor out = Tensor.empty(shape);
        MemorySegment os = out.storage().segment();
        int n = x.rank() == 0 ? 1 : shape[shape.length - 1];
        if (mask == null) {
            RowLoop.run(shape, new Tensor[] {x}, (r, c) -> row(c.segment(0), c.offset(0), os, 4L * r * n, n, log));
        } else {
            RowLoop.run(shape, new Tensor[] {x, mask}, (r, c) -> {
                long oo = 4L * r * n;
                ADD.run(c.segment(0), c.offset(0), c.segment(1), c.offset(1), os, oo, n);
                row(os, oo, os, oo, n, log);
            });
        }
        return out;
    }

    /**
     * (log-)softmax of the F32 row at {@code src+so} into {@code dst+doff} ({@code src} may be {@code dst}).
     * Also the kernel of {@link Loss}.
     */
    static void row(MemorySegment src, long so, MemorySegment dst, long doff, int n, boolean log) {
        float max = Reduce.rowMax(src, so, n);
        if (max == Float.NEGATIVE_INFINITY) {
            dst.asSlice(doff, 4L * n).fill((byte) 0);
            if (log) ADD_SCALAR.run(Float.NEGATIVE_INFINITY, dst, doff, dst, doff, n);
            return;
        }
        if (log) {
            float sum = expShift(src, so, max, null, 0, n);
            ADD_SCALAR.run(-(max + (float) Math.log(sum)), src, so, dst, doff, n);
        } else {
            float sum = expShift(src, so, max, dst, doff, n);
            MUL_SCALAR.run(1f / sum, dst, doff, dst, doff, n);
        }
    }

    /** Σ exp(xᵢ − max), also storing each term into {@code dst} unless it is null. */
    private static float expShift(MemorySegment src, long so, float max, MemorySegment dst, long doff, int n) {
        FloatVector acc = FloatVector.zero(VecMath.S);
        for (int i = 0; i < n; i += L) {
            FloatVector e = VecMath.tail(VecMath.exp(load(src, so, i, n).sub(max)), i, n, 0f);
            acc = acc.add(e);
            if (dst != null) VecMath.store(e, dst, doff, i, n);
        }
        return LaneSum.sum(acc);
    }
}
