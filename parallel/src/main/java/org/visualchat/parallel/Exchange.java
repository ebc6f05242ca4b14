package org.visualchat.parallel;

import io.netty.channel.ChannelFuture;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import org.visualchat.parallel.transport.Call;
import org.visualchat.parallel.transport.InFrame;
import org.visualchat.parallel.transport.OutFrame;
import org.visualchat.parallel.transport.Transport;
import org.visualchat.tensor.DType;

/**
 * One collective call's view of the transport: numbers the frames on each link in sending order (the
 * receiver checks the numbers, so a lost or reordered segment cannot go unnoticed) and moves element
 * ranges between buffers and frames.
 *
 * <p>Rings send from and receive into the caller's buffer directly when it is native memory
 * ({@link #sendFrom}, {@link #post}): on loopback the copies between user buffers and frames were a quarter
 * of the all-gather's CPU time (perf, p = 2, 64 MiB). The transport then uses the caller's memory after
 * the call that handed it over has returned, so {@link #close()} (and {@link #awaitSends()} before memory
 * that was sent from is overwritten) waits until it no longer does. Heap buffers take the copying path.
 */
final class Exchange implements AutoCloseable {
    final Transport transport;
    final Call call;
    final DType dtype;
    final int rank;
    final int size;
    /** Elements per frame: rings pipeline at this granularity (distributed.md §3.1, §4.4). */
    final long segmentElements;
    private final int[] sent;
    private final int[] received;
    /** Writes that read the caller's memory and may still be queued. */
    private final List<ChannelFuture> borrowed = new ArrayList<>();
    private boolean posted;

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

    /** Sends elements [off, off + n) of {@code src} to {@code peer}, from {@code src} itself if it is native memory. */
    void sendFrom(int peer, MemorySegment src, long off, long n) {
        if (!src.isNative() || n == 0) {
            sendCopy(peer, src, off, n);
            return;
        }
        int size = dtype.elementBytes();
        borrowed.add(transport.sendBorrowed(peer, call, sent[peer]++, src.asSlice(off * size, n * size)));
    }

    /**
     * Offers elements [off, off + n) of {@code dst} as the destination of the {@code k}-th frame from now on
     * the link from {@code peer} (k = 0 is the next one {@link #receive} returns); a no-op for heap memory.
     */
    void post(int peer, int k, MemorySegment dst, long off, long n) {
        if (!dst.isNative() || n == 0) return;
        int size = dtype.elementBytes();
        transport.post(peer, call, received[peer] + k, dst.asSlice(off * size, n * size));
        posted = true;
    }

    /** Waits until no queued write reads the caller's memory any more (before that memory is overwritten). */
    void awaitSends() {
        if (borrowed.isEmpty()) return;
        try {
            transport.awaitWritten(borrowed, call);
        } finally {
            borrowed.clear();
        }
    }

    /** Hands the caller's memory back: no queued write reads it and no posted receive can fill it any more. */
    @Override
    public void close() {
        try {
            awaitSends();
        } finally {
            if (posted) transport.unpost(call);
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
        ChannelFuture w = transport.forward(peer, call, sent[peer]++, f);
        if (f.inPlace()) borrowed.add(w);
    }

    /** The next frame from {@code peer}; the caller closes it. */
    InFrame receive(int peer) {
        return transport.receive(peer, call, received[peer]++);
    }

    /** Receives one frame of n elements from {@code peer} into dst at dstOff (where it may have been posted). */
    void receiveInto(int peer, MemorySegment dst, long dstOff, long n) {
        try (InFrame f = receive(peer)) {
            land(f, dst, dstOff, n);
        }
    }

    /** Checks a received frame's length and copies it to dst at dstOff unless it was received there in place. */
    void land(InFrame f, MemorySegment dst, long dstOff, long n) {
        checkLength(f, n);
        boolean there = f.inPlace() && f.payload().address() == dst.address() + dstOff * dtype.elementBytes();
        if (!there) Kernels.copy(f.payload(), 0, dst, dstOff, n, dtype);
    }

    void checkLength(InFrame f, long n) {
        if (f.payloadBytes() != n * dtype.elementBytes()) {
            throw transport.fail(new DistributedException(DistributedException.Kind.MISMATCH, "rank " + rank + " expected "
                    + n * dtype.elementBytes() + " payload bytes in " + call + " but got " + f.payloadBytes()));
        }
    }
}
