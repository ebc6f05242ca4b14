package org.visualchat.parallel;

import java.lang.foreign.MemorySegment;
import org.visualchat.parallel.transport.Call;
import org.visualchat.parallel.transport.Transport;
import org.visualchat.tensor.DType;

/**
 * A group of ranks that run collectives together (distributed.md §7.1). Buffers are flat little-endian
 * F32 or BF16 {@link MemorySegment}s (BF16 is reduced in F32); lengths are arbitrary and reduce-scatter /
 * all-gather take a {@link Split} with per-rank counts, so ZeRO partitions need no padding.
 *
 * <p>Every rank must call the same collectives in the same order with the same op, dtype, count, root and
 * split; otherwise every rank fails with a {@link DistributedException} of kind MISMATCH naming both calls.
 * Any failure (timeout, dead peer, corrupt frame) breaks the group on every rank; create a new one.
 * Messages up to {@link GroupOptions#directMaxBytes()} use one-step direct algorithms, larger ones
 * segmented rings. Calls are serialised per group (one collective at a time).
 *
 * <pre>{@code
 * try (ProcessGroup pg = ProcessGroup.fromEnv()) {     // RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT, VC_DIST_SECRET
 *     float[] grad = ...;
 *     pg.allReduce(grad, ReduceOp.AVG);
 * }
 * }</pre>
 */
public final class ProcessGroup implements AutoCloseable {
    private final GroupOptions options;
    private final CommStats stats = new CommStats();
    private final Transport transport;
    private long seq;

    private ProcessGroup(GroupOptions options) {
        this.options = options;
        this.transport = options.worldSize() == 1 ? null : Transport.open(options, stats);
    }

    /** Joins the group described by {@code options}; blocks until every rank is connected (≤ 5× timeout). */
    public static ProcessGroup create(GroupOptions options) {
        return new ProcessGroup(options);
    }

    /** Joins the group described by the launcher's environment (see {@link GroupOptions#fromEnv}). */
    public static ProcessGroup fromEnv() {
        return create(GroupOptions.fromEnv(System.getenv()));
    }

    public int rank() { return options.rank(); }

    public int size() { return options.worldSize(); }

    public GroupOptions options() { return options; }

    /** Where this rank's data listener is bound (null for a one-rank group). */
    public java.net.InetSocketAddress dataAddress() { return transport == null ? null : transport.localAddress(); }

    /** Bytes this rank sent, per collective. */
    public CommStats stats() { return stats; }

    /** Copies root's {@code count} elements of {@code buf} into every rank's {@code buf}. */
    public synchronized void broadcast(MemorySegment buf, DType dtype, long count, int root) {
        checkRank(root, "broadcast root");
        checkBuffer(Collective.BROADCAST, "buffer", buf, dtype, count, true);
        try (Exchange x = begin(Collective.BROADCAST, dtype, count, root, 0)) {
            if (x == null) return;
            if (useDirect(dtype, count)) {
                Direct.broadcast(x, buf, count, root);
            } else {
                Rings.broadcast(x, buf, count, root);
            }
        }
    }

    /** Element-wise reduction of {@code buf} over all ranks, in place, identical bits on every rank. */
    public synchronized void allReduce(MemorySegment buf, DType dtype, long count, ReduceOp op) {
        checkBuffer(Collective.ALL_REDUCE, "buffer", buf, dtype, count, true);
        try (Exchange x = begin(Collective.ALL_REDUCE, dtype, count, 0, 0)) {
            if (x == null) return;
            if (useDirect(dtype, count)) {
                Direct.allReduce(x, buf, count, op);
            } else {
                Split split = Split.balanced(count, size());
                Rings.reduceScatter(x, buf, split, buf, split.offset(rank()), op);
                Rings.allGather(x, buf, split);
            }
        }
    }

    /**
     * Reduces {@code in} ({@code split.total()} elements, rank j's chunk at {@code split.offset(j)}) over all
     * ranks and leaves chunk {@code rank()} in {@code out} ({@code split.count(rank())} elements). {@code out}
     * may be the slice of {@code in} at this rank's offset; otherwise {@code in} is left unchanged.
     */
    public synchronized void reduceScatter(MemorySegment in, MemorySegment out, DType dtype, Split split, ReduceOp op) {
        checkSplit(split);
        checkBuffer(Collective.REDUCE_SCATTER, "input", in, dtype, split.total(), false);
        checkBuffer(Collective.REDUCE_SCATTER, "output", out, dtype, split.count(rank()), true);
        try (Exchange x = begin(Collective.REDUCE_SCATTER, dtype, split.total(), 0, split.fingerprint())) {
            if (x == null) {
                Kernels.copy(in, 0, out, 0, split.total(), dtype);
            } else if (useDirect(dtype, split.total())) {
                Direct.reduceScatter(x, in, split, out, 0, op);
            } else {
                Rings.reduceScatter(x, in, split, out, 0, op);
            }
        }
    }

    /**
     * Gathers every rank's {@code in} ({@code split.count(rank())} elements) into {@code out}
     * ({@code split.total()} elements, rank j's at {@code split.offset(j)}). {@code in} may be that slice of {@code out}.
     */
    public synchronized void allGather(MemorySegment in, MemorySegment out, DType dtype, Split split) {
        checkSplit(split);
        checkBuffer(Collective.ALL_GATHER, "input", in, dtype, split.count(rank()), false);
        checkBuffer(Collective.ALL_GATHER, "output", out, dtype, split.total(), true);
        try (Exchange x = begin(Collective.ALL_GATHER, dtype, split.total(), 0, split.fingerprint())) {
            Kernels.copy(in, 0, out, split.offset(rank()), split.count(rank()), dtype);
            if (x == null) return;
            if (useDirect(dtype, split.total())) {
                Direct.allGather(x, out, split);
            } else {
                Rings.allGather(x, out, split);
            }
        }
    }

    /** Returns once every rank has entered the barrier. */
    public synchronized void barrier() {
        Exchange x = begin(Collective.BARRIER, DType.F32, 0, 0, 0);
        if (x != null) Direct.barrier(x);
    }

    /** Sends {@code count} elements to {@code peer}; matched by the peer's {@link #recv} with the same tag, in order. */
    public synchronized void send(MemorySegment buf, DType dtype, long count, int peer, int tag) {
        try (Exchange x = pointToPoint(dtype, count, peer, tag, true, buf)) {
            for (long off = 0; off < count; off += x.segmentElements) x.sendFrom(peer, buf, off, Math.min(x.segmentElements, count - off));
        }
    }

    /** Receives {@code count} elements sent by {@code peer} with {@code tag}. */
    public synchronized void recv(MemorySegment buf, DType dtype, long count, int peer, int tag) {
        try (Exchange x = pointToPoint(dtype, count, peer, tag, false, buf)) {
            int k = 0;
            for (long off = 0; off < count; off += x.segmentElements) x.post(peer, k++, buf, off, Math.min(x.segmentElements, count - off));
            for (long off = 0; off < count; off += x.segmentElements) x.receiveInto(peer, buf, off, Math.min(x.segmentElements, count - off));
        }
    }

    /** {@link #allReduce(MemorySegment, DType, long, ReduceOp)} on a float array. */
    public void allReduce(float[] buf, ReduceOp op) { allReduce(MemorySegment.ofArray(buf), DType.F32, buf.length, op); }

    /** {@link #broadcast(MemorySegment, DType, long, int)} on a float array. */
    public void broadcast(float[] buf, int root) { broadcast(MemorySegment.ofArray(buf), DType.F32, buf.length, root); }

    /** {@link #reduceScatter(MemorySegment, MemorySegment, DType, Split, ReduceOp)} on float arrays. */
    public void reduceScatter(float[] in, float[] out, Split split, ReduceOp op) {
        reduceScatter(MemorySegment.ofArray(in), MemorySegment.ofArray(out), DType.F32, split, op);
    }

    /** {@link #allGather(MemorySegment, MemorySegment, DType, Split)} on float arrays. */
    public void allGather(float[] in, float[] out, Split split) {
        allGather(MemorySegment.ofArray(in), MemorySegment.ofArray(out), DType.F32, split);
    }

    /** All-reduce of one value (loss, grad-norm², overflow flag). */
    public float allReduce(float value, ReduceOp op) {
        float[] v = {value};
        allReduce(v, op);
        return v[0];
    }

    /** Leaves the group; peers are told this is a normal close, not a crash. */
    @Override
    public synchronized void close() {
        if (transport != null) transport.close();
    }

    private boolean useDirect(DType dtype, long count) {
        long b = bytes(dtype, count);
        return b <= options.directMaxBytes() && b <= options.segmentBytes();
    }

    private static long bytes(DType dtype, long count) { return count * dtype.elementBytes(); }

    /** Counts the call and returns its exchange (null when the world has one rank). */
    private Exchange begin(Collective op, DType dtype, long count, int root, long layout) {
        stats.countCall(op);
        if (transport == null) return null;
        transport.checkHealthy();
        return new Exchange(transport, new Call(op, dtype, count, root, layout, seq++), options.segmentBytes());
    }

    private Exchange pointToPoint(DType dtype, long count, int peer, int tag, boolean sending, MemorySegment buf) {
        checkRank(peer, "peer");
        if (peer == rank()) throw misuse("send/recv: peer " + peer + " is this rank");
        checkBuffer(Collective.SEND_RECV, "buffer", buf, dtype, count, !sending);
        stats.countCall(Collective.SEND_RECV);
        transport.checkHealthy();
        long p2pSeq = transport.pointToPointSeq(peer, tag, sending);
        return new Exchange(transport, new Call(Collective.SEND_RECV, dtype, count, tag, 0, p2pSeq), options.segmentBytes());
    }

    private static void checkBuffer(Collective op, String which, MemorySegment seg, DType dtype, long count, boolean written) {
        if (dtype != DType.F32 && dtype != DType.BF16) throw misuse(op + " supports F32 and BF16 buffers, got " + dtype);
        if (count < 0) throw misuse(op + ": count must be non-negative, got " + count);
        if (written && seg.isReadOnly()) throw misuse(op + ": the " + which + " buffer is read-only");
        if (seg.byteSize() < count * dtype.elementBytes()) {
            throw misuse(op + ": " + which + " buffer has " + seg.byteSize() + " bytes but " + count + " " + dtype
                    + " elements need " + count * dtype.elementBytes());
        }
    }

    private void checkSplit(Split split) {
        if (split.parts() != size()) throw misuse("split has " + split.parts() + " parts but the group has " + size() + " ranks");
    }

    private void checkRank(int r, String what) {
        if (r < 0 || r >= size()) throw misuse(what + " " + r + " outside [0, " + size() + ")");
    }

    private static DistributedException misuse(String msg) {
        return new DistributedException(DistributedException.Kind.MISUSE, msg);
    }
}
