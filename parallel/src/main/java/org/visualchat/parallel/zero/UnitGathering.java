package org.visualchat.parallel.zero;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Future;
import java.util.function.Function;
import org.visualchat.tensor.Tensor;

/**
 * The stage-3 parameter lifecycle of {@link ZeroEngine} (distributed.md §1.6): a unit's parameters are
 * gathered when it is acquired and replaced by placeholders when it is released; upcoming units are
 * gathered ahead on the communication thread. The order of units on the first micro-step is recorded (the
 * trace); later forwards prefetch the next {@code prefetchUnits} units of the trace and backwards the
 * previous ones; a micro-step that deviates turns prefetching off (DeepSpeed's trace INVALID state).
 */
final class UnitGathering {
    private final CommQueue comm;
    private final Function<Unit, List<Tensor>> gather;
    private final int prefetchUnits;
    private final Map<Unit, Future<List<Tensor>>> inflight = new IdentityHashMap<>();
    private final Set<Unit> live = Collections.newSetFromMap(new IdentityHashMap<>());
    private final List<Unit> trace = new ArrayList<>();
    private boolean traceRecorded;
    private boolean traceValid = true;
    private int forwardPos;
    private int backwardPos;
    private int maxGathered;

    /** {@code gather} runs on the communication thread and returns the unit's whole tensors in slot order. */
    UnitGathering(CommQueue comm, Function<Unit, List<Tensor>> gather, int prefetchUnits) {
        this.comm = comm;
        this.gather = gather;
        this.prefetchUnits = prefetchUnits;
    }

    /** Makes {@code u}'s parameters whole (from a prefetch if one is pending) and prefetches what follows. */
    void acquire(Unit u, boolean forward) {
        makeWhole(u);
        if (forward) {
            if (!traceRecorded) {
                trace.add(u);
            } else if (forwardPos >= trace.size() || trace.get(forwardPos) != u) {
                traceValid = false;   // this micro-step deviates from the recorded order: stop guessing
            }
            forwardPos++;
            prefetchAround(forwardPos, +1);
        } else {
            backwardPos--;
            if (backwardPos < 0 || trace.get(backwardPos) != u) traceValid = false;
            prefetchAround(backwardPos, -1);
        }
    }

    /**
     * Makes {@code u}'s parameters whole for a forward that records no graph (evaluation between steps): it is
     * no part of a micro-step, so it neither extends nor checks the recorded order and prefetches nothing.
     */
    void acquireUntraced(Unit u) {
        makeWhole(u);
    }

    private void makeWhole(Unit u) {
        Future<List<Tensor>> pending = inflight.remove(u);
        List<Tensor> full = CommQueue.await(pending != null ? pending : comm.submit(() -> gather.apply(u)));
        for (int i = 0; i < u.slots.size(); i++) u.slots.get(i).param.setValue(full.get(i));
        live.add(u);
        maxGathered = Math.max(maxGathered, live.size() + inflight.size());
    }

    /**
     * Replaces the unit's parameters by one zero broadcast to their shapes (stride 0), so shapes stay valid
     * while the memory is gone. Reading them outside the unit sees zeros; {@link ZeroEngine#forward} is the door.
     */
    void release(Unit u) {
        for (Slot s : u.slots) {
            int[] ones = new int[s.shape.length];
            Arrays.fill(ones, 1);
            s.param.setValue(Tensor.zeros(s.dtype, ones).expand(s.shape));
        }
        live.remove(u);
    }

    /** The first micro-step's forward order is now known; backward visits it in reverse, starting at the end. */
    void beginBackward() {
        traceRecorded = true;
        backwardPos = trace.size();
        prefetchAround(backwardPos, -1);
    }

    /**
     * A prefetch can outlive the backward (a unit gathered for a backward that never came, such as a frozen
     * encoder ahead of every trainable parameter). It is finished here and kept for the next forward, so the
     * communication thread is idle whenever the caller's own code runs.
     */
    void endMicroStep() {
        forwardPos = 0;
        for (Future<List<Tensor>> f : inflight.values()) CommQueue.await(f);
    }

    /** Discards prefetched parameters (after an update they are stale). */
    void dropPrefetched() {
        for (Future<List<Tensor>> f : inflight.values()) CommQueue.await(f);
        inflight.clear();
    }

    int maxGathered() { return maxGathered; }

    /** Starts gathering the next {@code prefetchUnits} units of the trace from {@code from} in direction {@code dir}. */
    private void prefetchAround(int from, int dir) {
        if (!traceRecorded || !traceValid) return;
        int start = dir > 0 ? from : from - 1;
        for (int k = 0, i = start; k < prefetchUnits && i >= 0 && i < trace.size(); k++, i += dir) {
            Unit next = trace.get(i);
            if (!live.contains(next) && !inflight.containsKey(next)) inflight.put(next, comm.submit(() -> gather.apply(next)));
        }
        maxGathered = Math.max(maxGathered, live.size() + inflight.size());
    }
}
