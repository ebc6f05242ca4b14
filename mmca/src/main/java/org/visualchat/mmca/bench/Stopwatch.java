package org.visualchat.mmca.bench;

import java.util.Arrays;

/**
 * The one timing loop every benchmark here uses: warm up (so the JIT has compiled the kernel), then
 * call repeatedly for a time budget and keep the median, which a shared, noisy machine disturbs far
 * less than the mean.
 */
public final class Stopwatch {
    private Stopwatch() {}

    /** Median and best seconds per call, and how many timed calls they come from. */
    public record Timing(double medianSeconds, double bestSeconds, int calls) {}

    private static final int MIN_CALLS = 3;
    private static final int MAX_CALLS = 100_000;

    /** Runs {@code op} for about {@code seconds} (a quarter more as warm-up) and times each call. */
    public static Timing time(Runnable op, double seconds) {
        long warmEnd = System.nanoTime() + (long) (seconds * 0.25e9);
        int warm = 0;
        while (warm < 2 || System.nanoTime() < warmEnd) {
            op.run();
            warm++;
        }
        double[] times = new double[MAX_CALLS];
        int n = 0;
        long end = System.nanoTime() + (long) (seconds * 1e9);
        while (n < MAX_CALLS && (n < MIN_CALLS || System.nanoTime() < end)) {
            long t0 = System.nanoTime();
            op.run();
            times[n++] = (System.nanoTime() - t0) / 1e9;
        }
        double[] sorted = Arrays.copyOf(times, n);
        Arrays.sort(sorted);
        return new Timing(sorted[n / 2], sorted[0], n);
    }

    /** Median of a few values (the rounds of an interleaved comparison). */
    public static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }
}
