package org.visualchat.parallel.transport;

import io.netty.channel.Channel;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/**
 * One authenticated connection to one peer rank: the channel plus its inbox. Frames from one peer arrive
 * in TCP order, and every rank runs its collectives in the same order, so collective frames are taken
 * strictly FIFO and checked against the caller's fingerprint; point-to-point frames queue per tag.
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

    /** Frees frames nobody will read (group closed or failed). */
    synchronized void drain() {
        for (ArrayDeque<InFrame> q : inbox.values()) {
            for (InFrame f; (f = q.poll()) != null; ) f.close();
        }
        notifyAll();
    }
}
