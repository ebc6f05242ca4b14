package org.visualchat.parallel;

import java.util.Arrays;

/**
 * How a flat buffer of {@link #total()} elements is divided among ranks: rank r owns
 * {@link #count(int) count(r)} elements starting at {@link #offset(int) offset(r)}, in rank order.
 * Reduce-scatter and all-gather take a Split so ZeRO partitions need no padding (counts may differ,
 * and may be zero).
 */
public final class Split {
    private final long[] counts;
    private final long[] offsets;

    private Split(long[] counts) {
        this.counts = counts.clone();
        this.offsets = new long[counts.length + 1];
        for (int r = 0; r < counts.length; r++) {
            if (counts[r] < 0) throw new IllegalArgumentException("split count of rank " + r + " is negative: " + counts[r]);
            offsets[r + 1] = offsets[r] + counts[r];
        }
    }

    /** Explicit per-rank counts. */
    public static Split of(long... counts) {
        if (counts.length == 0) throw new IllegalArgumentException("a split needs at least one rank");
        return new Split(counts);
    }

    /** {@code total} elements over {@code parts} ranks, sizes differing by at most one (larger first). */
    public static Split balanced(long total, int parts) {
        if (parts <= 0) throw new IllegalArgumentException("parts must be positive, got " + parts);
        if (total < 0) throw new IllegalArgumentException("total must be non-negative, got " + total);
        long[] c = new long[parts];
        for (int r = 0; r < parts; r++) c[r] = total / parts + (r < total % parts ? 1 : 0);
        return new Split(c);
    }

    /** {@code perRank} elements for each of {@code parts} ranks. */
    public static Split even(long perRank, int parts) {
        long[] c = new long[parts];
        Arrays.fill(c, perRank);
        return of(c);
    }

    public int parts() { return counts.length; }

    public long count(int rank) { return counts[rank]; }

    public long offset(int rank) { return offsets[rank]; }

    public long total() { return offsets[counts.length]; }

    /** A hash of the counts, carried in frame headers so ranks that disagree on the split fail loudly. */
    public long fingerprint() { return Arrays.hashCode(counts) * 0x9E3779B97F4A7C15L + total(); }

    @Override
    public String toString() { return Arrays.toString(counts); }
}
