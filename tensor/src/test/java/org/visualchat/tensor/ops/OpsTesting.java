package org.visualchat.tensor.ops;

import org.visualchat.tensor.DType;
import org.visualchat.tensor.Shapes;
import org.visualchat.tensor.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Shared helpers for op tests: the same values in awkward layouts (the kernels must not care), values
 * as doubles for the naive references, a tolerant comparison that names the first bad element, and
 * double-precision erf/erfc (the JDK has none).
 */
final class OpsTesting {
    private OpsTesting() {}

    /** Lengths that exercise the vector tail (not multiples of 16) and the 1-element edge. */
    static final int[] AWKWARD = {1, 7, 17, 33, 1000};

    /** A labelled input. */
    record Case(String name, Tensor tensor) {
        @Override
        public String toString() { return name; }
    }

    /**
     * {@code base}'s values as: contiguous F32; a strided view (stride 2 in the last dim); a transposed
     * view (last two dims stored swapped, rank >= 2); BF16; F16. The BF16/F16 cases hold rounded values,
     * so references must be computed from {@link #values} of the case itself.
     */
    static List<Case> layouts(Tensor base) {
        List<Case> cases = new ArrayList<>();
        cases.add(new Case("contiguous", base));
        if (base.rank() >= 1) cases.add(new Case("strided", strided(base)));
        if (base.rank() >= 2) cases.add(new Case("transposed", base.transpose(-1, -2).contiguous().transpose(-1, -2)));
        cases.add(new Case("bf16", base.to(DType.BF16)));
        cases.add(new Case("f16", base.to(DType.F16)));
        return cases;
    }

    /** The same values in a view whose last dimension has stride 2. */
    static Tensor strided(Tensor base) {
        int[] shape = base.shape();
        int[] wide = Arrays.copyOf(shape, shape.length + 1);
        wide[shape.length] = 2;
        Tensor view = Tensor.full(Float.NaN, wide).select(-1, 0);
        base.copyTo(view);
        return view;
    }

    static double[] values(Tensor t) {
        float[] f = t.toFloatArray();
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) d[i] = f[i];
        return d;
    }

    /** {@code t}'s values broadcast to {@code shape}, row-major. */
    static double[] values(Tensor t, int[] shape) {
        return values(t.expand(shape));
    }

    /** Asserts shape and |actual − expected| ≤ atol + rtol·|expected| everywhere (infinities must match exactly). */
    static void assertClose(double[] expected, int[] shape, Tensor actual, double rtol, double atol, String what) {
        assertArrayEquals(shape, actual.shape(), what + ": shape");
        if (actual.dtype() != DType.F32) fail(what + ": result dtype " + actual.dtype() + ", expected F32");
        float[] a = actual.toFloatArray();
        for (int i = 0; i < a.length; i++) {
            double e = expected[i];
            boolean ok = Double.isNaN(e) ? Float.isNaN(a[i])
                    : Double.isInfinite(e) ? a[i] == e
                    : Math.abs(a[i] - e) <= atol + rtol * Math.abs(e);
            if (!ok) fail(what + ": element " + i + " of " + Shapes.toString(shape) + " is " + a[i] + ", expected " + e);
        }
    }

    static Tensor randn(long seed, int... shape) {
        return Tensor.randn(seed, 1f, shape);
    }

    // ---------------------------------------------------------------- double-precision erf

    /** erf in double: the all-positive series 2/√π·e^(−x²)·Σ 2ⁿx^(2n+1)/(1·3·…·(2n+1)) below 3, 1 − erfc above. */
    static double erf(double x) {
        double a = Math.abs(x);
        if (a >= 3) return Math.signum(x) * (1 - erfcLarge(a));
        double term = a, sum = a;
        for (int n = 1; term > 1e-18 * sum; n++) {
            term *= 2 * a * a / (2 * n + 1);
            sum += term;
        }
        return Math.signum(x) * 2 / Math.sqrt(Math.PI) * Math.exp(-a * a) * sum;
    }

    static double erfc(double x) {
        if (x >= 3) return erfcLarge(x);
        return 1 - erf(x);
    }

    /** erfc(x) for x ≥ 3 by its continued fraction e^(−x²)/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + …)))). */
    private static double erfcLarge(double x) {
        double f = x;
        for (int k = 200; k >= 1; k--) f = x + (k / 2.0) / f;
        return Math.exp(-x * x) / Math.sqrt(Math.PI) / f;
    }
}
