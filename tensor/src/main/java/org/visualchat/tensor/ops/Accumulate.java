package org.visualchat.tensor.ops;

import jdk.incubator.vector.FloatVector;
import org.visualchat.tensor.DType;
import org.visualchat.tensor.Shapes;
import org.visualchat.tensor.Storage;
import org.visualchat.tensor.Tensor;
import org.visualchat.tensor.WorkerPool;
import org.visualchat.tensor.kernels.LaneSum;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

import static org.visualchat.tensor.ops.VecMath.L;
import static org.visualchat.tensor.ops.VecMath.load;

/**
 * {@code dst += src} for an F32 destination of any strides, {@code src} broadcast to dst's shape. The
 * destination may itself be a broadcast (stride-0) view of a smaller tensor: then several source
 * elements land on one destination element, which is how {@link Reduce#sumTo} sums; such a
 * destination is walked on one thread so the additions never race.
 */
final class Accumulate {
    private Accumulate() {}

    static void into(Tensor dst, Tensor src) {
        if (dst.dtype() != DType.F32) throw new IllegalArgumentException("accumulation target must be F32, got " + dst.dtype());
        if (dst.storage().isReadOnly()) throw new UnsupportedOperationException("accumulation target is read-only (memory-mapped weights?)");
        int[] shape = dst.shape();
        if (!Arrays.equals(Shapes.broadcast(src.shape(), shape), shape)) {
            throw new IllegalArgumentException("cannot add a " + Shapes.toString(src.shape()) + " tensor into a " + Shapes.toString(shape) + " tensor");
        }
        RowWalk plan = new RowWalk(shape, dst, src);
        int n = plan.rowLength();
        WorkerPool.RangeBody body = (start, end) -> {
            RowWalk w = new RowWalk(shape, dst, src);
            w.seek(start);
            RowReader rs = new RowReader(src, n, w.innerStride(1));
            MemorySegment ds = dst.storage().segment();
            int dstStride = w.innerStride(0);
            for (int row = start; row < end; row++, w.next()) {
                long so = rs.load(w.offset(1));
                addRow(ds, w.offset(0), dstStride, rs.segment(), so, n);
            }
        };
        if (selfOverlapping(dst)) body.run(0, plan.rows());
        else Parallel.rows(plan.rows(), n, body);
    }

    /** True when two indices of {@code t} address one element (a broadcast view). */
    private static boolean selfOverlapping(Tensor t) {
        for (int d = 0; d < t.rank(); d++) if (t.dim(d) > 1 && t.stride(d) == 0) return true;
        return false;
    }

    /** dst row (element offset, stride) += src row (F32 contiguous at byte offset so). */
    private static void addRow(MemorySegment ds, long dstIndex, int stride, MemorySegment ss, long so, int n) {
        if (stride == 1 || n == 1) {
            long dOff = dstIndex * 4;
            for (int i = 0; i < n; i += L) VecMath.store(load(ds, dOff, i, n).add(load(ss, so, i, n)), ds, dOff, i, n);
        } else if (stride == 0) {
            ds.setAtIndex(Storage.F32, dstIndex, ds.getAtIndex(Storage.F32, dstIndex) + rowSum(ss, so, n));
        } else {
            for (int i = 0; i < n; i++) {
                long at = dstIndex + (long) i * stride;
                ds.setAtIndex(Storage.F32, at, ds.getAtIndex(Storage.F32, at) + ss.get(Storage.F32, so + 4L * i));
            }
        }
    }

    /** Σ row, accumulated lane-wise then across lanes. */
    static float rowSum(MemorySegment s, long off, int n) {
        FloatVector acc = FloatVector.zero(VecMath.S);
        for (int i = 0; i < n; i += L) acc = acc.add(load(s, off, i, n));     // the tail loads zeros
        return LaneSum.sum(acc);
    }
}
