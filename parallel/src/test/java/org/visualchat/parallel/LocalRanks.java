package org.visualchat.parallel;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.IntFunction;

/** In-JVM multi-rank harness (distributed.md §8.2): one thread and one real loopback ProcessGroup per rank. */
public final class LocalRanks {
    public static final byte[] SECRET = "test-secret-0123456789".getBytes(StandardCharsets.UTF_8);

    /** What one rank does; returns a value for the test to check, or throws. */
    public interface Body<T> {
        T run(ProcessGroup pg) throws Exception;
    }

    private LocalRanks() {}

    public static GroupOptions options(int rank, int world, int port, Duration timeout) {
        return GroupOptions.of(rank, world, "127.0.0.1", port, SECRET).withTimeout(timeout);
    }

    /** Runs {@code body} on every rank; per rank either its result or the exception it threw. */
    public static List<Object> run(int world, IntFunction<GroupOptions> options, Body<?> body) {
        ExecutorService pool = Executors.newFixedThreadPool(world);
        try {
            List<Future<Object>> futures = new ArrayList<>();
            for (int r = 0; r < world; r++) {
                GroupOptions o = options.apply(r);
                futures.add(pool.submit(() -> {
                    try (ProcessGroup pg = ProcessGroup.create(o)) {
                        return body.run(pg);
                    } catch (Exception e) {
                        return e;
                    }
                }));
            }
            List<Object> out = new ArrayList<>();
            for (Future<Object> f : futures) {
                try {
                    out.add(f.get(120, TimeUnit.SECONDS));
                } catch (TimeoutException e) {
                    throw new AssertionError("a rank hung for 120 s; threads:\n" + threadDump(), e);
                } catch (InterruptedException | ExecutionException e) {
                    throw new AssertionError(e);
                }
            }
            return out;
        } finally {
            pool.shutdownNow();
        }
    }

    /** Every live thread's stack, so a hang reported by CI can be diagnosed from its log alone. */
    static String threadDump() {
        StringBuilder sb = new StringBuilder();
        Thread.getAllStackTraces().forEach((t, stack) -> {
            sb.append('"').append(t.getName()).append("\" ").append(t.getState()).append('\n');
            for (StackTraceElement e : stack) sb.append("    at ").append(e).append('\n');
        });
        return sb.toString();
    }

    /** Like {@link #run} with default options, rethrowing the first rank failure. */
    public static List<Object> runAll(int world, Duration timeout, Body<?> body) {
        int port = Launcher.freePort();
        List<Object> results = run(world, r -> options(r, world, port, timeout), body);
        for (int r = 0; r < world; r++) {
            if (results.get(r) instanceof Throwable t) throw new AssertionError("rank " + r + " failed: " + t, t);
        }
        return results;
    }
}
