package org.visualchat.parallel;

import java.lang.foreign.MemorySegment;
import org.visualchat.parallel.transport.InFrame;

/**
 * Bandwidth-optimal ring algorithms (distributed.md §3.1–3.2), segmented and pipelined: a segment is
 * reduced and sent on as soon as it arrives, while Netty is still moving the next ones, so the
 * reduction (γ) overlaps the transfer (β). Each chunk is reduced along the ring in a fixed order and only
 * its owner's result is distributed, so every rank ends with the same bits.
 */
final class Rings {
    private Rings() {}

    /**
     * Ring reduce-scatter: afterwards {@code out[outOff ..]} holds chunk {@code rank} of the split, reduced
     * over all ranks. At step k rank r receives chunk r−k−2 from r−1, adds its own input, and sends it on;
     * after p−1 steps the chunk it holds is its own, complete. {@code in} is not modified unless it is
     * {@code out}. Sends (p−1)/p of the input per rank.
     */
    static void reduceScatter(Exchange x, MemorySegment in, Split split, MemorySegment out, long outOff, ReduceOp op) {
        int p = x.size, r = x.rank, next = x.mod(r + 1), prev = x.mod(r - 1);
        for (long off = split.offset(x.mod(r - 1)), end = off + split.count(x.mod(r - 1)); off < end; off += x.segmentElements) {
            x.sendFrom(next, in, off, Math.min(x.segmentElements, end - off));
        }
        for (int k = 0; k < p - 1; k++) {
            int q = x.mod(r - k - 2);
            boolean last = k == p - 2;
            for (long off = split.offset(q), end = off + split.count(q); off < end; off += x.segmentElements) {
                long n = Math.min(x.segmentElements, end - off);
                try (InFrame f = x.receive(prev)) {
                    x.checkLength(f, n);
                    if (last) {
                        Kernels.combine(out, outOff + off - split.offset(r), f.payload(), 0, in, off, n, x.dtype, op,
                                op == ReduceOp.AVG ? p : 1f);
                    } else {
                        x.sendCombined(next, f.payload(), in, off, n, op);
                    }
                }
            }
        }
    }

    /**
     * Ring all-gather in place: {@code buf} already holds this rank's chunk; at step k rank r receives
     * chunk r−k−1 from r−1 and forwards the same frame (no copy) to r+1. Every segment to come is posted
     * first, so that on native memory the kernel reads it straight into {@code buf} and writes forwarded
     * ones straight from there: no user-space copy at all.
     */
    static void allGather(Exchange x, MemorySegment buf, Split split) {
        int p = x.size, r = x.rank, next = x.mod(r + 1), prev = x.mod(r - 1);
        x.awaitSends();     // an all-reduce's reduce-scatter may still be sending from chunks received below
        int posted = 0;
        for (int k = 0; k < p - 1; k++) {
            int q = x.mod(r - k - 1);
            for (long off = split.offset(q), end = off + split.count(q); off < end; off += x.segmentElements) {
                x.post(prev, posted++, buf, off, Math.min(x.segmentElements, end - off));
            }
        }
        for (long off = split.offset(r), end = off + split.count(r); off < end; off += x.segmentElements) {
            x.sendFrom(next, buf, off, Math.min(x.segmentElements, end - off));
        }
        for (int k = 0; k < p - 1; k++) {
            int q = x.mod(r - k - 1);
            for (long off = split.offset(q), end = off + split.count(q); off < end; off += x.segmentElements) {
                long n = Math.min(x.segmentElements, end - off);
                try (InFrame f = x.receive(prev)) {
                    x.land(f, buf, off, n);
                    if (k < p - 2) x.forward(next, f);
                }
            }
        }
    }

    /** Pipelined chain broadcast root → root+1 → …: time ≈ (p + k − 2)(α + nβ/k) for k segments. */
    static void broadcast(Exchange x, MemorySegment buf, long count, int root) {
        int p = x.size, r = x.rank, next = x.mod(r + 1), prev = x.mod(r - 1);
        boolean first = r == root, last = x.mod(r - root) == p - 1;
        if (!first) {
            int k = 0;
            for (long off = 0; off < count; off += x.segmentElements) x.post(prev, k++, buf, off, Math.min(x.segmentElements, count - off));
        }
        for (long off = 0; off < count; off += x.segmentElements) {
            long n = Math.min(x.segmentElements, count - off);
            if (first) {
                x.sendFrom(next, buf, off, n);
                continue;
            }
            try (InFrame f = x.receive(prev)) {
                x.land(f, buf, off, n);
                if (!last) x.forward(next, f);
            }
        }
    }
}
