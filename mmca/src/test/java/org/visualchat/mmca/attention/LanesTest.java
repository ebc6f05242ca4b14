package org.visualchat.mmca.attention;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** {@link Lanes}' paired kernel against the single one it must equal bit for bit (the demo's training relies on it). */
class LanesTest {
    @Test
    void aPairOfWeightRowsGivesTheBitsOfEachRowAlone() {
        Random random = new Random(7);
        for (int hd : new int[] {1, 7, 16, 17, 33, 64}) {
            for (int countA : new int[] {0, 1, 2, 5, 16, 31}) {
                for (int countB : new int[] {countA, countA + 1, countA + 2, Math.max(0, countA - 1)}) {
                    int keys = Math.max(countA, countB);
                    float[] x = gaussian(random, 3 + keys * hd), wA = gaussian(random, keys + 1), wB = gaussian(random, keys + 1);
                    float[] outA = gaussian(random, hd + 2), outB = gaussian(random, hd + 5);
                    float[] aloneA = outA.clone(), aloneB = outB.clone();
                    Lanes.addWeightedRows(wA, 0, countA, x, 3, hd, aloneA, 1);
                    Lanes.addWeightedRows(wB, 0, countB, x, 3, hd, aloneB, 4);
                    Lanes.addWeightedRowPair(wA, countA, wB, countB, x, 3, hd, outA, 1, outB, 4);
                    String at = "hd " + hd + ", counts " + countA + " and " + countB;
                    assertArrayEquals(aloneA, outA, at);
                    assertArrayEquals(aloneB, outB, at);
                }
            }
        }
    }

    private static float[] gaussian(Random random, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) random.nextGaussian();
        return a;
    }
}
