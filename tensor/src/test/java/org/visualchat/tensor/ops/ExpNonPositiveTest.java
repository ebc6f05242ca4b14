package org.visualchat.tensor.ops;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** {@link VecMath#expNonPositive}: the bits of {@link VecMath#exp} wherever it claims them, 0 below. */
class ExpNonPositiveTest {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

    private static float[] apply(boolean nonPositive, float[] x) {
        float[] out = new float[x.length];
        for (int i = 0; i < x.length; i += F.length()) {
            FloatVector v = FloatVector.fromArray(F, x, i);
            (nonPositive ? VecMath.expNonPositive(v) : VecMath.exp(v)).intoArray(out, i);
        }
        return out;
    }

    @Test
    void equalsExpBitForBitFromMinus87Point68ToZero() {
        // Every 97th float of [−87.68, 0] plus both ends and the rounding ties of x·log₂e near the clamp.
        int from = Float.floatToRawIntBits(-87.68f);
        int n = (from - Float.floatToRawIntBits(-0f)) / 97 + 3;
        n = (n + F.length() - 1) / F.length() * F.length();
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = Float.intBitsToFloat(from - 97 * i);
        x[0] = -87.68f;
        x[1] = 0f;
        x[2] = -0f;
        for (int i = 3; i < n; i++) if (x[i] > 0 || Float.isNaN(x[i])) x[i] = -1e-30f;
        float[] expected = apply(false, x), actual = apply(true, x);
        for (int i = 0; i < n; i++) {
            assertEquals(Float.floatToRawIntBits(expected[i]), Float.floatToRawIntBits(actual[i]), "x = " + x[i]);
        }
    }

    @Test
    void flushesBelowTheRangeAndMinusInfinityToZero() {
        float[] x = new float[F.length()];
        java.util.Arrays.fill(x, Float.NEGATIVE_INFINITY);
        x[0] = -87.69f;
        x[1] = -100f;
        x[2] = -Float.MAX_VALUE;
        for (float e : apply(true, x)) assertEquals(0f, e);
    }
}
