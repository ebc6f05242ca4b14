package org.visualchat.parallel;

import java.lang.foreign.MemorySegment;
import org.visualchat.parallel.transport.InFrame;

/**
 * Latency-optimal one-step algorithms for small messages (one α instead of the ring's 2(p−1)α,
 * distributed.md §3.2): every rank sends its data straight to the ranks that need it. Reductions run in
 * rank order 0, 1, …, p−1 on every rank, so all ranks compute the same bits.
 */
final class Direct {
    private static final MemorySegment EMPTY = MemorySegment.ofArray(new byte[0]);

    private Direct() {}

    static void allReduce(Exchange x, MemorySegment buf, long count, ReduceOp op) {
        for (int j = 0; j < x.size; j++) if (j != x.rank) x.sendCopy(j, buf, 0, count);
        reduceInRankOrder(x, ownCopy(x, buf, 0, count), buf, 0, count, op);
    }

    static void reduceScatter(Exchange x, MemorySegment in, Split split, MemorySegment out, long outOff, ReduceOp op) {
        for (int j = 0; j < x.size; j++) if (j != x.rank) x.sendCopy(j, in, split.offset(j), split.count(j));
        long n = split.count(x.rank);
        reduceInRankOrder(x, ownCopy(x, in, split.offset(x.rank), n), out, outOff, n, op);
    }

    /** {@code buf} already holds this rank's chunk. */
    static void allGather(Exchange x, MemorySegment buf, Split split) {
        for (int j = 0; j < x.size; j++) if (j != x.rank) x.sendCopy(j, buf, split.offset(x.rank), split.count(x.rank));
        for (int j = 0; j < x.size; j++) if (j != x.rank) x.receiveInto(j, buf, split.offset(j), split.count(j));
    }

    static void broadcast(Exchange x, MemorySegment buf, long count, int root) {
        if (x.rank != root) {
            x.receiveInto(root, buf, 0, count);
            return;
        }
        for (int j = 0; j < x.size; j++) if (j != root) x.sendCopy(j, buf, 0, count);
    }

    /** Everyone tells everyone it arrived: one latency step, p−1 empty frames per rank. */
    static void barrier(Exchange x) {
        for (int j = 0; j < x.size; j++) if (j != x.rank) x.sendCopy(j, EMPTY, 0, 0);
        for (int j = 0; j < x.size; j++) if (j != x.rank) x.receiveInto(j, EMPTY, 0, 0);
    }

    /** Own contribution, copied because {@code out} may alias it and is written before its turn comes. */
    private static MemorySegment ownCopy(Exchange x, MemorySegment src, long off, long n) {
        MemorySegment c = MemorySegment.ofArray(new byte[(int) (n * x.dtype.elementBytes())]);
        Kernels.copy(src, off, c, 0, n, x.dtype);
        return c;
    }

    private static void reduceInRankOrder(Exchange x, MemorySegment mine, MemorySegment out, long outOff, long n, ReduceOp op) {
        for (int i = 0; i < x.size; i++) {
            InFrame f = i == x.rank ? null : x.receive(i);
            try {
                if (f != null) x.checkLength(f, n);
                MemorySegment src = f == null ? mine : f.payload();
                if (i == 0) {
                    Kernels.copy(src, 0, out, outOff, n, x.dtype);
                } else {
                    float divisor = op == ReduceOp.AVG && i == x.size - 1 ? x.size : 1f;
                    Kernels.combine(out, outOff, out, outOff, src, 0, n, x.dtype, op, divisor);
                }
            } finally {
                if (f != null) f.close();
            }
        }
    }
}
