package org.visualchat.tensor.ops;

import org.visualchat.tensor.WorkerPool;

/** Splits row-wise work over the shared {@link WorkerPool} once it is big enough to pay for the hand-off. */
final class Parallel {
    private Parallel() {}

    /** Elements of work below which a loop stays on the calling thread (waking workers costs microseconds). */
    static final int GRAIN = 1 << 15;

    /** Runs {@code body} over rows {@code [0, rows)} of {@code rowLength} elements, in parallel when large. */
    static void rows(int rows, int rowLength, WorkerPool.RangeBody body) {
        WorkerPool.get().parallelFor(rows, Math.max(1, GRAIN / Math.max(rowLength, 1)), body);
    }
}
