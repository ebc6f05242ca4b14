package org.visualchat.mmca.data;

import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * {@code DST.random_grouping(items, k)}: shuffle the items, then cut them into consecutive groups whose sizes are
 * drawn uniformly from {@code [1, k]}, the last group taking whatever remains. With {@code k = 1} every group holds
 * one item. The original draws the sizes with NumPy after a Python {@code random.shuffle}; this uses one seeded
 * generator for both, so the grouping is deterministic per seed but not the original's exact one.
 */
public final class RandomGrouping {
    private RandomGrouping() {}

    /** Groups of indices {@code 0..count-1}: a partition, each group of size 1..k. */
    public static List<int[]> groups(int count, int maxGroupSize, RandomGenerator random) {
        if (maxGroupSize < 1) throw new IllegalArgumentException("group size must be >= 1, got " + maxGroupSize);
        int[] order = new int[count];
        for (int i = 0; i < count; i++) order[i] = i;
        shuffle(order, random);
        List<int[]> groups = new ArrayList<>();
        for (int start = 0; start < count; ) {
            int size = Math.min(1 + random.nextInt(maxGroupSize), count - start);
            int[] group = new int[size];
            System.arraycopy(order, start, group, 0, size);
            groups.add(group);
            start += size;
        }
        return groups;
    }

    /** Fisher–Yates, as Python's {@code random.shuffle}. */
    public static void shuffle(int[] values, RandomGenerator random) {
        for (int i = values.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = values[i];
            values[i] = values[j];
            values[j] = t;
        }
    }

    /** {@code random.sample(range(n), k)}: k distinct values of [0, n) in random order (a partial Fisher–Yates). */
    public static int[] sample(int n, int k, RandomGenerator random) {
        if (k < 0 || k > n) throw new IllegalArgumentException("cannot draw " + k + " distinct values from " + n);
        int[] pool = new int[n];
        for (int i = 0; i < n; i++) pool[i] = i;
        for (int i = 0; i < k; i++) {
            int j = i + random.nextInt(n - i);
            int t = pool[i];
            pool[i] = pool[j];
            pool[j] = t;
        }
        return java.util.Arrays.copyOf(pool, k);
    }
}
