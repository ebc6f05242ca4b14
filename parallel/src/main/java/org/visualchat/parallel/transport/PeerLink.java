package org.visualchat.parallel.transport;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import org.visualchat.parallel.wire.FrameHeader;

/**
 * One authenticated connection to one peer rank: the channel plus its inbox. Frames from one peer arrive
 * in TCP order, and every rank runs its collectives in the same order, so collective frames are taken
 * strictly FIFO and checked against the caller's fingerprint; point-to-point frames queue per tag.
 *
 * <p>Posted receives (Gloo's model, distributed.md §0.5): a collective may post the caller's memory as the
 * destination of a frame it expects; when that frame's header arrives first, the event loop lets the kernel
 * read the payload straight into it ({@link #claim}), and the collective skips its copy. A frame that
 * arrived before its post lands in a pool buffer as before.
 */
final class PeerLink {
    private static final int COLLECTIVE = Integer.MIN_VALUE;

    final int peer;
    final Channel channel;
    final String address;
    private final Map<Integer, ArrayDeque<InFrame>> inbox = new HashMap<>();
    private boolean closedByPeer;
    /** When the last frame of any kind arrived; heartbeats keep it fresh while the peer is alive. */
    volatile long lastHeardNanos = System.nanoTime();
    private final Map<Long, long[]> pointToPointSeq = new HashMap<>();
    private final ArrayDeque<Posted> posted = new ArrayDeque<>();
    /** The posted receive the event loop is filling (claimed, not yet delivered), or null. */
    private Posted filling;

    /** The caller's memory for segment {@code chunk} of {@code call} from this peer. */
    private record Posted(Call call, int chunk, ByteBuf target) {}

    PeerLink(int peer, Channel channel) {
        this.peer = peer;
        this.channel = channel;
        this.address = String.valueOf(channel.remoteAddress()).replaceFirst("^/", "");
    }

    static int key(Call call) {
        return call.op() == org.visualchat.parallel.Collective.SEND_RECV ? call.root() : COLLECTIVE;
    }

    synchronized void deliver(InFrame f) {
        int k = f.header.getOp() == org.visualchat.parallel.wire.Op.SEND_RECV ? f.header.getRoot() : COLLECTIVE;
        inbox.computeIfAbsent(k, x -> new ArrayDeque<>()).add(f);
        notifyAll();
    }

    synchronized void peerClosed() {
        closedByPeer = true;
        notifyAll();
    }

    synchronized boolean isClosedByPeer() { return closedByPeer; }

    /** Head of the queue for {@code key}, or null; caller holds the monitor. */
    InFrame poll(int key) {
        ArrayDeque<InFrame> q = inbox.get(key);
        return q == null ? null : q.poll();
    }

    /** The n-th send to this peer with a tag matches the peer's n-th receive from us with that tag. */
    synchronized long nextPointToPointSeq(int tag, boolean sending) {
        return pointToPointSeq.computeIfAbsent(((long) tag << 1) | (sending ? 1 : 0), k -> new long[1])[0]++;
    }

    synchronized void post(Call call, int chunk, ByteBuf target) {
        posted.add(new Posted(call, chunk, target));
    }

    /**
     * Event loop, on a DATA header: the posted buffer for that frame if there is one of exactly its payload
     * size, now owned by the frame being received. Posts are made in receiving order, so the match is
     * normally the head; posts whose frames came first stay until {@link #unpost}.
     */
    synchronized ByteBuf claim(FrameHeader h, int payloadBytes) {
        for (Iterator<Posted> it = posted.iterator(); it.hasNext(); ) {
            Posted p = it.next();
            if (p.chunk == h.getChunk() && p.call.matches(h)) {
                if (p.target.writableBytes() != payloadBytes) return null;
                it.remove();
                filling = p;
                return p.target;
            }
        }
        return null;
    }

    /** Event loop: the claimed buffer is complete, or its connection is gone; no more bytes land in it. */
    synchronized void filled() {
        filling = null;
    }

    /**
     * Withdraws the posts of {@code call}; returns whether the event loop is still filling one of them
     * (only after a failure: then the caller's memory is safe only once the channel is closed).
     */
    synchronized boolean unpost(Call call) {
        posted.removeIf(p -> p.call.equals(call));
        return filling != null && filling.call.equals(call);
    }

    /** Frees frames nobody will read (group closed or failed). */
    synchronized void drain() {
        for (ArrayDeque<InFrame> q : inbox.values()) {
            for (InFrame f; (f = q.poll()) != null; ) f.close();
        }
        notifyAll();
    }
}
