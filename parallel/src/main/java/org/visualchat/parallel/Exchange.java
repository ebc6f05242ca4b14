package org.visualchat.parallel;

import java.lang.foreign.MemorySegment;
import org.visualchat.parallel.transport.Call;
import org.visualchat.parallel.transport.InFrame;
import org.visualchat.parallel.transport.OutFrame;
import org.visualchat.parallel.transport.Transport;
import org.visualchat.tensor.DType;

/**
 * One collective call's view of the transport: numbers the frames on each link in sending order (the
 * receiver checks the numbers, so a lost or reordered segment cannot go unnoticed) and moves element
 * ranges between buffers and frames.
 */
final class Exchange {
    final Transport transport;
    final Call call;
    final DType dtype;
    final int rank;
    final int size;
    /** Elements per frame: rings pipeline at this granularity (distributed.md §3.1, §4.4). */
    final long segmentElements;
    private final int[] sent;
    private final int[] received;

    Exchange(Transport transport, Call call, int segmentBytes) {
        this.transport = transport;
        this.call = call;
        this.dtype = call.dtype();
        this.rank = transport.rank();
        this.size = transport.worldSize();
        this.segmentElements = segmentBytes / dtype.elementBytes();
        this.sent = new int[size];
        this.received = new int[size];
    }

    int mod(int r) { return Math.floorMod(r, size); }

    /** Copies elements [off, off + n) of {@code src} into one frame for {@code peer}. */
    void sendCopy(int peer, MemorySegment src, long off, long n) {
        try (OutFrame f = transport.newFrame(n * dtype.elementBytes())) {
            Kernels.copy(src, off, f.payload(), 0, n, dtype);
            transport.send(peer, call, sent[peer]++, f);
        }
    }

    /** Sends {@code partial op local[off, off + n)} to {@code peer}, reducing straight into the frame. */
    void sendCombined(int peer, MemorySegment partial, MemorySegment local, long off, long n, ReduceOp op) {
        try (OutFrame f = transport.newFrame(n * dtype.elementBytes())) {
            Kernels.combine(f.payload(), 0, partial, 0, local, off, n, dtype, op, 1f);
            transport.send(peer, call, sent[peer]++, f);
        }
    }

    /** Passes a received frame on unchanged (all-gather and broadcast rings). */
    void forward(int peer, InFrame f) {
        transport.forward(peer, call, sent[peer]++, f);
    }

    /** The next frame from {@code peer}; the caller closes it. */
    InFrame receive(int peer) {
        return transport.receive(peer, call, received[peer]++);
    }

    /** Receives one frame of n elements from {@code peer} into dst at dstOff. */
    void receiveInto(int peer, MemorySegment dst, long dstOff, long n) {
        try (InFrame f = receive(peer)) {
            checkLength(f, n);
            Kernels.copy(f.payload(), 0, dst, dstOff, n, dtype);
        }
    }

    void checkLength(InFrame f, long n) {
        if (f.payloadBytes() != n * dtype.elementBytes()) {
            throw transport.fail(new DistributedException(DistributedException.Kind.MISMATCH, "rank " + rank + " expected "
                    + n * dtype.elementBytes() + " payload bytes in " + call + " but got " + f.payloadBytes()));
        }
    }
}
