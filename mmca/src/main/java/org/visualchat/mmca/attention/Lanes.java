package org.visualchat.mmca.attention;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.visualchat.tensor.kernels.LaneSum;

/** The three vector loops attention rows need: dot product, y += a·x, y *= a (over head-dim rows). */
final class Lanes {
    private Lanes() {}

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

    static float dot(float[] a, int aOff, float[] b, int bOff, int n) {
        FloatVector acc = FloatVector.zero(F);
        int i = 0;
        for (int bound = F.loopBound(n); i < bound; i += F.length()) {
            acc = FloatVector.fromArray(F, a, aOff + i).fma(FloatVector.fromArray(F, b, bOff + i), acc);
        }
        float sum = LaneSum.sum(acc);
        for (; i < n; i++) sum += a[aOff + i] * b[bOff + i];
        return sum;
    }

    static void axpy(float a, float[] x, int xOff, float[] y, int yOff, int n) {
        FloatVector va = FloatVector.broadcast(F, a);
        int i = 0;
        for (int bound = F.loopBound(n); i < bound; i += F.length()) {
            FloatVector.fromArray(F, x, xOff + i).fma(va, FloatVector.fromArray(F, y, yOff + i)).intoArray(y, yOff + i);
        }
        for (; i < n; i++) y[yOff + i] += a * x[xOff + i];
    }

    static void scale(float a, float[] y, int yOff, int n) {
        int i = 0;
        for (int bound = F.loopBound(n); i < bound; i += F.length()) {
            FloatVector.fromArray(F, y, yOff + i).mul(a).intoArray(y, yOff + i);
        }
        for (; i < n; i++) y[yOff + i] *= a;
    }
}
