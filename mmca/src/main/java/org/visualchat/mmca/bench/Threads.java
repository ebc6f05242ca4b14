package org.visualchat.mmca.bench;

import org.visualchat.tensor.WorkerPool;

/**
 * Runs work on one thread or on the whole shared {@link WorkerPool}: the only two thread counts a
 * process can measure, since the pool is sized once at start-up ({@code VC_THREADS}). One thread is
 * obtained by starting the work inside a pool loop, where the pool never nests and kernels run on the
 * calling thread alone.
 */
public final class Threads {
    private Threads() {}

    /** The thread counts a benchmark can run with: 1 and the pool size. */
    public static int check(int threads) {
        int pool = WorkerPool.get().threads();
        if (threads != 1 && threads != pool) {
            throw new IllegalArgumentException("--threads " + threads + ": this process can measure 1 or " + pool
                    + " threads (the pool size); start it with VC_THREADS=" + threads + " to measure " + threads);
        }
        return threads;
    }

    /** {@code body} over [0, n) with {@code threads} threads (1 or the pool size). */
    public static void run(int threads, int n, WorkerPool.RangeBody body) {
        if (threads == 1) {
            WorkerPool.get().parallelForChunks(2, 1, (s, e) -> {
                if (s == 0) body.run(0, n);
            });
        } else {
            WorkerPool.get().parallelForChunks(n, 1, body);
        }
    }

    /** Runs a whole kernel call (which may itself use the pool) with {@code threads} threads. */
    public static void call(int threads, Runnable op) {
        if (threads == 1) run(1, 1, (s, e) -> op.run());
        else op.run();
    }
}
