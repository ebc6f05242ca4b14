package org.visualchat.tensor;

import org.junit.jupiter.api.Test;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;

import static org.junit.jupiter.api.Assertions.*;

class WorkerPoolTest {
    private static final WorkerPool pool = new WorkerPool(3);

    @Test
    void everyIndexRunsExactlyOnceForAwkwardSizesAndChunks() {
        for (int n : new int[] {1, 2, 7, 17, 1000, 4099}) {
            for (int chunk : new int[] {1, 3, 64, 5000}) {
                AtomicIntegerArray hits = new AtomicIntegerArray(n);
                pool.parallelForChunks(n, chunk, (s, e) -> { for (int i = s; i < e; i++) hits.incrementAndGet(i); });
                for (int i = 0; i < n; i++) assertEquals(1, hits.get(i), "n=" + n + " chunk=" + chunk + " i=" + i);
            }
        }
    }

    @Test
    void workIsSharedAcrossThreads() {
        ConcurrentHashMap<String, Boolean> threads = new ConcurrentHashMap<>();
        // Each chunk holds its thread until a second thread has run a chunk (an event, not a duration, so a
        // loaded machine that is slow to schedule the woken workers cannot fail it); the deadline only ends
        // the wait for a pool that never shares, which the assertion then reports.
        long deadline = System.nanoTime() + 60_000_000_000L;
        pool.parallelForChunks(600, 1, (s, e) -> {
            threads.put(Thread.currentThread().getName(), true);
            while (threads.size() < 2 && System.nanoTime() < deadline) Thread.onSpinWait();
        });
        assertTrue(threads.size() > 1, "only " + threads.keySet() + " ran chunks");
    }

    @Test
    void nestedLoopsRunInlineInsteadOfDeadlocking() {
        AtomicInteger total = new AtomicInteger();
        pool.parallelForChunks(8, 1, (s, e) -> pool.parallelForChunks(100, 10, (s2, e2) -> total.addAndGet(e2 - s2)));
        assertEquals(800, total.get());
    }

    @Test
    void aFailingChunkSurfacesOnTheCallerAndThePoolStaysUsable() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () ->
                pool.parallelForChunks(100, 1, (s, end) -> { if (s == 42) throw new IllegalStateException("chunk 42 failed"); }));
        assertEquals("chunk 42 failed", e.getMessage());
        AtomicInteger count = new AtomicInteger();
        pool.parallelForChunks(100, 7, (s, end) -> count.addAndGet(end - s));
        assertEquals(100, count.get());
    }

    @Test
    void badConfigurationIsRejectedWithTheValue() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new WorkerPool(0));
        assertTrue(e.getMessage().contains("0"));
    }
}
