package org.visualchat.mmca.data;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** random_grouping: a partition into groups of 1..k, deterministic per seed. */
class RandomGroupingTest {
    @Test
    void groupsPartitionTheItemsWithSizesInRange() {
        for (int k = 1; k <= 4; k++) {
            for (int n : new int[] {0, 1, 2, 7, 100}) {
                List<int[]> groups = RandomGrouping.groups(n, k, new SplittableRandom(n * 31L + k));
                int[] seen = new int[n];
                for (int g = 0; g < groups.size(); g++) {
                    int[] group = groups.get(g);
                    // Only the last group may be cut short by the end of the list; all are within [1, k].
                    assertTrue(group.length >= 1 && group.length <= k, "k=" + k + " n=" + n);
                    for (int i : group) seen[i]++;
                }
                for (int count : seen) assertEquals(1, count);
            }
        }
    }

    @Test
    void sizesAreUniformOneToKAndTheGroupingDependsOnlyOnTheSeed() {
        List<int[]> groups = RandomGrouping.groups(30_000, 3, new SplittableRandom(9));
        double mean = 30_000.0 / groups.size();
        assertEquals(2.0, mean, 0.05, "E[U{1..3}] = 2");
        int[] bySize = new int[4];
        for (int[] g : groups.subList(0, groups.size() - 1)) bySize[g.length]++;
        for (int s = 1; s <= 3; s++) assertEquals(1.0 / 3, bySize[s] / (double) (groups.size() - 1), 0.02, "size " + s);
        List<int[]> again = RandomGrouping.groups(30_000, 3, new SplittableRandom(9));
        assertEquals(groups.size(), again.size());
        for (int i = 0; i < groups.size(); i++) assertArrayEquals(groups.get(i), again.get(i));
        List<int[]> other = RandomGrouping.groups(30_000, 3, new SplittableRandom(10));
        assertNotEquals(Arrays.deepToString(groups.subList(0, 10).toArray()), Arrays.deepToString(other.subList(0, 10).toArray()));
    }

    @Test
    void sampleDrawsDistinctValues() {
        int[] s = RandomGrouping.sample(10, 10, new SplittableRandom(1));
        int[] sorted = s.clone();
        Arrays.sort(sorted);
        assertArrayEquals(new int[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, sorted);
        assertEquals(0, RandomGrouping.sample(5, 0, new SplittableRandom(1)).length);
    }
}
