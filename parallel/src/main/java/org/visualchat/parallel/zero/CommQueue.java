package org.visualchat.parallel.zero;

import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * One thread that issues this rank's collectives in submission order. Every rank submits the same
 * sequence (SPMD), so prefetches issued ahead of time still reach the wire in the same order on every rank,
 * which the process group requires; the caller's thread meanwhile computes.
 */
final class CommQueue implements AutoCloseable {
    private final ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "zero-comm");
        t.setDaemon(true);
        return t;
    });

    <T> Future<T> submit(Callable<T> task) {
        return thread.submit(task);
    }

    /** Submits and waits; a failure is rethrown as it was thrown on the communication thread. */
    <T> T call(Callable<T> task) {
        return await(submit(task));
    }

    static <T> T await(Future<T> f) {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for a collective", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) throw r;
            if (e.getCause() instanceof Error err) throw err;
            throw new IllegalStateException(e.getCause());
        }
    }

    @Override
    public void close() {
        thread.shutdownNow();
    }
}
