package org.visualchat.parallel;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * Bytes this rank put on the wire, per collective. Payload bytes are what the cost model counts
 * (distributed.md §1.2: e.g. ring all-reduce sends 2(p−1)/p·n per rank); frame bytes add headers.
 */
public final class CommStats {
    private final Map<Collective, LongAdder> payload = new EnumMap<>(Collective.class);
    private final Map<Collective, LongAdder> frames = new EnumMap<>(Collective.class);
    private final Map<Collective, LongAdder> calls = new EnumMap<>(Collective.class);

    public CommStats() {
        for (Collective op : Collective.values()) {
            payload.put(op, new LongAdder());
            frames.put(op, new LongAdder());
            calls.put(op, new LongAdder());
        }
    }

    void countCall(Collective op) { calls.get(op).increment(); }

    /** Called by the transport for every frame sent. */
    public void countFrame(Collective op, long payloadBytes) {
        payload.get(op).add(payloadBytes);
        frames.get(op).increment();
    }

    /** Payload bytes sent by this rank for {@code op} since creation or the last {@link #reset()}. */
    public long payloadBytesSent(Collective op) { return payload.get(op).sum(); }

    /** Payload bytes sent by this rank over all operations. */
    public long payloadBytesSent() {
        long s = 0;
        for (LongAdder a : payload.values()) s += a.sum();
        return s;
    }

    public long framesSent(Collective op) { return frames.get(op).sum(); }

    public long calls(Collective op) { return calls.get(op).sum(); }

    public void reset() {
        for (Collective op : Collective.values()) {
            payload.get(op).reset();
            frames.get(op).reset();
            calls.get(op).reset();
        }
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder();
        for (Collective op : Collective.values()) {
            if (calls(op) == 0 && framesSent(op) == 0) continue;
            b.append(op).append(": ").append(calls(op)).append(" calls, ").append(payloadBytesSent(op)).append(" B; ");
        }
        return b.toString();
    }
}
