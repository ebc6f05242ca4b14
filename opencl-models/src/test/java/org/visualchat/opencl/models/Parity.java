package org.visualchat.opencl.models;

import org.visualchat.tensor.Tensor;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.fail;

/** Device-vs-CPU comparison for the model tests; prints the largest error so stated tolerances can be checked. */
final class Parity {
    private Parity() {}

    /** Fails unless |expected − actual| ≤ atol + rtol·|expected| everywhere (and neither is NaN). */
    static void assertClose(Tensor expected, Tensor actual, double atol, double rtol, String what) {
        assertArrayEquals(expected.shape(), actual.shape(), what + ": shape");
        float[] e = expected.toFloatArray(), a = actual.toFloatArray();
        double worst = 0;
        for (int i = 0; i < e.length; i++) {
            double err = Math.abs((double) e[i] - a[i]);
            if (!(err <= atol + rtol * Math.abs(e[i]))) {
                fail(what + ": element " + i + " of " + Arrays.toString(expected.shape()) + " expected " + e[i] + " but was " + a[i]);
            }
            worst = Math.max(worst, err);
        }
        System.out.printf("%s: max |error| %.3g%n", what, worst);
    }
}
