package org.visualchat.mmca.bench;

import java.util.Arrays;

/**
 * The one timing loop every benchmark here uses: warm up (so the JIT has compiled the kernel), then
 * call repeatedly for a time budget and keep the median, which a shared, noisy machine disturbs far
 * less than the mean.
 */
public final class Stopwatch {
    private Stopwatch() {}

    private static final int MIN_CALLS = 3;
    private static final int MAX_CALLS = 100_000;

    /** Runs {@code op} for about {@code seconds} (a quarter more as warm-up); the median seconds per call. */
    public static double medianSeconds(Runnable op, double seconds) {
        return medianSeconds(op, seconds, MIN_CALLS);
    }

    /**
     * {@link #medianSeconds(Runnable, double)} timing at least {@code minCalls} calls, and warming up with at least a
     * quarter of them: for calls of a tenth of a second, where a budget of 0.4 s times three or four.
     */
    public static double medianSeconds(Runnable op, double seconds, int minCalls) {
        long warmEnd = System.nanoTime() + (long) (seconds * 0.25e9);
        int warm = 0;
        while (warm < Math.max(2, minCalls / 4) || System.nanoTime() < warmEnd) {
            op.run();
            warm++;
        }
        double[] times = new double[Math.max(MAX_CALLS, minCalls)];
        int n = 0;
        long end = System.nanoTime() + (long) (seconds * 1e9);
        while (n < times.length && (n < minCalls || System.nanoTime() < end)) {
            long t0 = System.nanoTime();
            op.run();
            times[n++] = (System.nanoTime() - t0) / 1e9;
        }
        double[] sorted = Arrays.copyOf(times, n);
        Arrays.sort(sorted);
        return sorted[n / 2];
    }

    /** Median of a few values (the rounds of an interleaved comparison). */
    public static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }
}
