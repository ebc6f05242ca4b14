package org.visualchat.tensor.ops;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import org.visualchat.tensor.DType;
import org.visualchat.tensor.Shapes;
import org.visualchat.tensor.Storage;
import org.visualchat.tensor.Tensor;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

import static org.visualchat.tensor.ops.VecMath.L;
import static org.visualchat.tensor.ops.VecMath.load;

/**
 * Reductions over one dimension (negative dims count from the end), over everything, and
 * {@link #sumTo}, the reduction that undoes broadcasting (a broadcast op's backward). Inputs may have
 * any strides and float dtypes; sums are F32, accumulated lane-wise in F32.
 */
public final class Reduce {
    private Reduce() {}

    public static Tensor sum(Tensor x, int dim, boolean keepDim) {
        int d = Shapes.dim(dim, x.rank());
        int[] target = x.shape();
        target[d] = 1;
        Tensor s = sumTo(x, target);
        return keepDim ? s : s.squeeze(d);
    }

    /** Arithmetic mean over {@code dim}; NaN for an empty dimension. */
    public static Tensor mean(Tensor x, int dim, boolean keepDim) {
        int n = x.dim(dim);
        return Elementwise.mul(sum(x, dim, keepDim), 1f / n);
    }

    /** Largest value over {@code dim}; NaN if the slice holds a NaN (as PyTorch). */
    public static Tensor max(Tensor x, int dim, boolean keepDim) {
        return alongLastOf(x, dim, keepDim, DType.F32);
    }

    /** Index (I64) of the first largest value over {@code dim}; a NaN counts as largest (as PyTorch). */
    public static Tensor argmax(Tensor x, int dim, boolean keepDim) {
        return alongLastOf(x, dim, keepDim, DType.I64);
    }

    /** Sum of all elements → rank-0 F32. */
    public static Tensor sum(Tensor x) {
        return sumTo(x);
    }

    /**
     * Sums {@code x} down to {@code shape}, which must broadcast to x's shape: dims that broadcasting
     * added (leading) or stretched (size 1 in {@code shape}) are summed. {@code sumTo(add(a, b), a.shape())}
     * is the gradient reduction for {@code a}.
     */
    public static Tensor sumTo(Tensor x, int... shape) {
        int[] xs = x.shape();
        if (shape.length > xs.length || !Arrays.equals(Shapes.broadcast(shape, xs), xs)) {
            throw new IllegalArgumentException("cannot sum a " + Shapes.toString(xs) + " tensor down to " + Shapes.toString(shape) + ": that shape does not broadcast to it");
        }
        Tensor out = Tensor.zeros(shape);
        Accumulate.into(out.expand(xs), x);
        return out;
    }

    /** max (F32 result) or argmax (I64 result) over {@code dim}, computed on rows with that dim moved last. */
    private static Tensor alongLastOf(Tensor x, int dim, boolean keepDim, DType result) {
        int d = Shapes.dim(dim, x.rank());
        if (x.dim(d) == 0) throw new IllegalArgumentException((result == DType.I64 ? "argmax" : "max") + " over dimension " + dim + " of size 0 in " + Shapes.toString(x.shape()));
        int[] perm = new int[x.rank()];
        for (int i = 0, k = 0; i < perm.length; i++) if (i != d) perm[k++] = i;
        perm[perm.length - 1] = d;
        Tensor xt = x.permute(perm);
        int[] shape = xt.shape();
        Tensor out = Tensor.empty(result, Arrays.copyOf(shape, shape.length - 1));
        MemorySegment os = out.storage().segment();
        int n = shape[shape.length - 1];
        RowLoop.run(shape, new Tensor[] {xt}, (r, c) -> {
            if (result == DType.I64) os.setAtIndex(Storage.I64, r, rowArgmax(c.segment(0), c.offset(0), n));
            else os.setAtIndex(Storage.F32, r, rowMax(c.segment(0), c.offset(0), n));
        });
        return keepDim ? out.unsqueeze(d) : out;
    }

    static float rowMax(MemorySegment s, long off, int n) {
        FloatVector acc = FloatVector.broadcast(VecMath.S, Float.NEGATIVE_INFINITY);
        for (int i = 0; i < n; i += L) acc = acc.max(VecMath.tail(load(s, off, i, n), i, n, Float.NEGATIVE_INFINITY));
        return acc.reduceLanes(VectorOperators.MAX);
    }

    private static long rowArgmax(MemorySegment s, long off, int n) {
        int best = 0;
        float bestValue = s.get(Storage.F32, off);
        for (int i = 1; i < n && !Float.isNaN(bestValue); i++) {
            float v = s.get(Storage.F32, off + 4L * i);
            if (v > bestValue || Float.isNaN(v)) {
                best = i;
                bestValue = v;
            }
        }
        return best;
    }
}
