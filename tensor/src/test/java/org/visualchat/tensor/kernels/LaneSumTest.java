package org.visualchat.tensor.kernels;

import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The lane sum is the documented pairwise tree, bit for bit, before and after the JIT compiles it. */
class LaneSumTest {
    private static final int L = FloatVector.SPECIES_PREFERRED.length();

    /** Folding halves: lanes i and i + h added for h = L/2, L/4, ..., 1, all in float. */
    private static float pairwise(float[] lanes) {
        float[] a = lanes.clone();
        for (int h = a.length / 2; h >= 1; h /= 2) {
            for (int i = 0; i < h; i++) a[i] = a[i] + a[i + h];
        }
        return a[0];
    }

    private static float[][] vectors(int count) {
        SplittableRandom rng = new SplittableRandom(3);
        float[][] v = new float[count][L];
        // Magnitudes spread over 12 decades so that any other addition order rounds differently.
        for (float[] lanes : v) for (int i = 0; i < L; i++) lanes[i] = (float) (rng.nextGaussian() * Math.pow(10, rng.nextInt(-6, 6)));
        return v;
    }

    private static float sum(float[] lanes) {
        return LaneSum.sum(FloatVector.fromArray(FloatVector.SPECIES_PREFERRED, lanes, 0));
    }

    @Test
    void equalsThePairwiseTreeColdAndAfterCompilation() {
        float[][] v = vectors(500);
        float[] cold = new float[v.length];
        for (int k = 0; k < v.length; k++) cold[k] = sum(v[k]);
        float sink = 0;
        for (int r = 0; r < 400; r++) for (float[] lanes : v) sink += sum(lanes);   // enough calls for C2
        for (int k = 0; k < v.length; k++) {
            assertEquals(Float.floatToRawIntBits(pairwise(v[k])), Float.floatToRawIntBits(cold[k]), "cold, vector " + k);
            assertEquals(Float.floatToRawIntBits(cold[k]), Float.floatToRawIntBits(sum(v[k])), "compiled, vector " + k);
        }
        assertEquals(false, Float.isNaN(sink));
    }

    @Test
    void twoStoredVectorsFoldToTheSameTreesColdAndAfterCompilation() {
        float[][] v = vectors(501);
        float[] scratch = new float[2 * L];
        for (int round = 0; round < 300; round++) {  // the first rounds run cold, the last ones compiled
            for (int k = 0; k + 1 < v.length; k += 2) {
                System.arraycopy(v[k], 0, scratch, 0, L);
                System.arraycopy(v[k + 1], 0, scratch, L, L);
                LaneSum.sumTwo(scratch);
                if (round % 100 != 0 && round != 299) continue;
                assertEquals(Float.floatToRawIntBits(pairwise(v[k])), Float.floatToRawIntBits(scratch[0]), "round " + round + ", vector " + k);
                assertEquals(Float.floatToRawIntBits(pairwise(v[k + 1])), Float.floatToRawIntBits(scratch[1]), "round " + round + ", vector " + (k + 1));
            }
        }
    }

    @Test
    void theScalarFoldOfAStoredVectorIsTheSameTree() {
        float[][] v = vectors(500);
        float[] scratch = new float[L + 3];
        for (int k = 0; k < v.length; k++) {
            System.arraycopy(v[k], 0, scratch, 3, L);
            assertEquals(Float.floatToRawIntBits(pairwise(v[k])), Float.floatToRawIntBits(LaneSum.sum(scratch, 3)), "vector " + k);
        }
    }
}
