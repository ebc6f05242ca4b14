package org.visualchat.tensor;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The one pool of worker threads every kernel shares, sized to the cores ({@code VC_THREADS} or
 * {@code -Dvc.threads=N} override). A parallel loop splits {@code [0, n)} into chunks handed out by an
 * atomic counter; the calling thread works too. There is no nesting: a loop started from inside a
 * worker, or while another thread owns the pool, simply runs on the calling thread. Nothing is
 * allocated per chunk and no thread is created per call.
 *
 * <pre>{@code
 * WorkerPool.get().parallelFor(rows, 16, (start, end) -> { for (int r = start; r < end; r++) ... });
 * }</pre>
 */
public final class WorkerPool {
    /** Body of a parallel loop over the half-open range {@code [start, end)}. */
    @FunctionalInterface
    public interface RangeBody {
        void run(int start, int end);
    }

    private static final WorkerPool DEFAULT = new WorkerPool(configuredThreads());
    private static final int SPINS_BEFORE_PARK = 1 << 12;

    private final int threads;
    private final Worker[] workers;
    private final ReentrantLock owner = new ReentrantLock();
    private final ThreadLocal<Boolean> insideLoop = ThreadLocal.withInitial(() -> false);

    // The current job; written by the owner before bumping generation, read by workers after.
    private RangeBody body;
    private int n;
    private int chunk;
    private final AtomicInteger nextChunk = new AtomicInteger();
    private final AtomicInteger pendingWorkers = new AtomicInteger();
    private volatile Throwable failure;
    private volatile Thread waiter;
    private volatile long generation;

    public WorkerPool(int threads) {
        if (threads < 1) throw new IllegalArgumentException("thread count must be >= 1, got " + threads);
        this.threads = threads;
        this.workers = new Worker[threads - 1];
        for (int i = 0; i < workers.length; i++) {
            workers[i] = new Worker("vc-worker-" + (i + 1));
            workers[i].start();
        }
    }

    /** The shared pool. */
    public static WorkerPool get() { return DEFAULT; }

    /** Threads that take part in a loop, the caller included. */
    public int threads() { return threads; }

    static int configuredThreads() {
        String value = System.getProperty("vc.threads", System.getenv("VC_THREADS"));
        if (value == null || value.isBlank()) return Runtime.getRuntime().availableProcessors();
        try {
            int t = Integer.parseInt(value.trim());
            if (t >= 1) return t;
        } catch (NumberFormatException ignored) {
            // fall through to the error below
        }
        throw new IllegalArgumentException("VC_THREADS / vc.threads must be a positive integer, got '" + value + "'");
    }

    /** Runs {@code body} over {@code [0, n)} in chunks of about {@code n / threads}, at least {@code minChunk}. */
    public void parallelFor(int n, int minChunk, RangeBody body) {
        int chunk = Math.max(Math.max(minChunk, 1), (n + threads - 1) / threads);
        parallelForChunks(n, chunk, body);
    }

    /** Runs {@code body} over {@code [0, n)} in chunks of exactly {@code chunk} (the last one shorter). */
    public void parallelForChunks(int n, int chunk, RangeBody body) {
        if (n <= 0) return;
        if (chunk < 1) throw new IllegalArgumentException("chunk must be >= 1, got " + chunk);
        if (threads == 1 || n <= chunk || insideLoop.get() || !owner.tryLock()) {
            body.run(0, n);
            return;
        }
        try {
            this.body = body;
            this.n = n;
            this.chunk = chunk;
            this.failure = null;
            this.waiter = Thread.currentThread();
            nextChunk.set(0);
            pendingWorkers.set(workers.length);
            generation++; // volatile write publishes the fields above
            for (Worker w : workers) LockSupport.unpark(w);
            insideLoop.set(true);
            try {
                drain();
            } finally {
                insideLoop.set(false);
            }
            while (pendingWorkers.get() > 0) LockSupport.park(this);
            this.body = null;
            Throwable t = failure;
            if (t instanceof RuntimeException re) throw re;
            if (t instanceof Error e) throw e;
            if (t != null) throw new IllegalStateException(t);
        } finally {
            owner.unlock();
        }
    }

    private void drain() {
        RangeBody b = body;
        int total = n, size = chunk;
        for (int c; (long) (c = nextChunk.getAndIncrement()) * size < total; ) {
            int start = c * size;
            try {
                b.run(start, Math.min(total, start + size));
            } catch (Throwable t) {
                failure = t;
                nextChunk.set(Integer.MAX_VALUE / 2); // stop handing out chunks
            }
        }
    }

    private final class Worker extends Thread {
        private long seen;

        Worker(String name) {
            super(name);
            setDaemon(true);
        }

        @Override
        public void run() {
            insideLoop.set(true);
            while (true) {
                int spins = 0;
                while (generation == seen) {
                    if (++spins < SPINS_BEFORE_PARK) Thread.onSpinWait();
                    else LockSupport.park(this);
                }
                seen = generation;
                drain();
                if (pendingWorkers.decrementAndGet() == 0) LockSupport.unpark(waiter);
            }
        }
    }
}
