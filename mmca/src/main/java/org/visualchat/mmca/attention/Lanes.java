package org.visualchat.mmca.attention;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.visualchat.tensor.kernels.LaneSum;
import org.visualchat.tensor.ops.VecMath;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

/**
 * The vector loops attention rows need: along the head dimension (dot product, y += a·x, y *= a) and
 * across keys, where the lanes are consecutive keys of a [D, T'] transposed operand, so a row's scores
 * need no horizontal sum per key (T' is T rounded up to the vector length, zero-padded).
 */
final class Lanes {
    private Lanes() {}

    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    static final int L = F.length();

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

    /** out[j] = Σ_c x[xOff + c]·t[tBase + c·stride + j] for j in [0, count) (written up to a whole vector). */
    static void dotsAcross(float[] x, int xOff, int hd, float[] t, int tBase, int stride, int count, float[] out) {
        for (int j = 0; j < count; j += L) {
            FloatVector acc = FloatVector.zero(F);
            for (int c = 0; c < hd; c++) acc = FloatVector.fromArray(F, t, tBase + c * stride + j).fma(FloatVector.broadcast(F, x[xOff + c]), acc);
            acc.intoArray(out, j);
        }
    }

    /**
     * Scaled scores of one query row against keys [0, count) (see {@link #dotsAcross}); keys whose
     * {@code hidden} entry is −∞ and lanes at or past {@code count} become −∞ whatever their value (a
     * NaN in a key the row may not see never reaches it). Returns the largest score.
     */
    static float scores(float[] q, int qOff, int hd, float[] kt, int ktBase, int stride, float scale, float[] hidden, int count, float[] out) {
        dotsAcross(q, qOff, hd, kt, ktBase, stride, count, out);
        FloatVector max = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
        for (int j = 0; j < count; j += L) {
            VectorMask<Float> off = FloatVector.fromArray(F, hidden, j).compare(VectorOperators.EQ, Float.NEGATIVE_INFINITY)
                    .or(F.indexInRange(j, count).not());
            FloatVector s = FloatVector.fromArray(F, out, j).mul(scale).blend(Float.NEGATIVE_INFINITY, off);
            s.intoArray(out, j);
            max = max.max(s);
        }
        return max.reduceLanes(VectorOperators.MAX);
    }

    /**
     * s[j] = e^(s[j] − shift) for j in [0, count) (−∞ gives 0); returns their sum, using {@code lanes}
     * (≥ L floats) as scratch.
     *
     * <p>Called through a method handle C2 cannot inline (an element of a non-constant array, as in
     * tensor's {@code MatVec.ROW_LOOPS}): inlined into MMCA's big row loops, {@code VecMath.exp} lost
     * its last calls to NodeCountInliningCutoff and ran on boxed vectors (~20 % of the training step's
     * samples, ~1 GB/s of garbage). Compiled on its own the loop fits C2's budget with exp fully
     * inlined; the sum leaves through an array store and {@link LaneSum#sum(float[], int)} (the same
     * fold, bit for bit) so no vector crosses a call that might not be inlined. One call per row.
     */
    static float expShifted(float[] s, float shift, int count, float[] lanes) {
        try {
            return (float) EXP_SHIFTED[0].invokeExact(s, shift, count, lanes);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
    }

    private static final MethodHandle[] EXP_SHIFTED = new MethodHandle[1];

    static {
        try {
            EXP_SHIFTED[0] = MethodHandles.lookup().findStatic(Lanes.class, "expShiftedLoop",
                    MethodType.methodType(float.class, float[].class, float.class, int.class, float[].class));
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private static float expShiftedLoop(float[] s, float shift, int count, float[] lanes) {
        FloatVector sum = FloatVector.zero(F);
        for (int j = 0; j < count; j += L) {
            FloatVector e = VecMath.exp(FloatVector.fromArray(F, s, j).sub(shift));
            e.intoArray(s, j);
            sum = sum.add(e);
        }
        sum.intoArray(lanes, 0);
        return LaneSum.sum(lanes, 0);
    }

    /** dp[j] ← p[j]·(dp[j] − delta)·scale for j in [0, count), exactly 0 where p[j] is (a hidden key's dp may be NaN). */
    static void scoreGradients(float[] p, float[] dp, float delta, float scale, int count) {
        for (int j = 0; j < count; j += L) {
            FloatVector pv = FloatVector.fromArray(F, p, j);
            pv.mul(FloatVector.fromArray(F, dp, j).sub(delta)).mul(scale)
                    .blend(0f, pv.compare(VectorOperators.EQ, 0f)).intoArray(dp, j);
        }
    }

    /** t[tBase + c·stride + j] += x[xOff + c]·y[j] for c < hd and j in [0, count) (whole vectors; y is 0 past count). */
    static void rankOneAcross(float[] x, int xOff, int hd, float[] y, float[] t, int tBase, int stride, int count) {
        for (int c = 0; c < hd; c++) {
            FloatVector xc = FloatVector.broadcast(F, x[xOff + c]);
            int row = tBase + c * stride;
            for (int j = 0; j < count; j += L) {
                FloatVector.fromArray(F, y, j).fma(xc, FloatVector.fromArray(F, t, row + j)).intoArray(t, row + j);
            }
        }
    }

    /**
     * out[outOff + c] += Σ_j y[j]·t[tBase + c·stride + j] over j in [0, count); lanes where y is 0 are
     * skipped, so a key the row may not see (a future one, NaN in a test) adds nothing.
     */
    static void dotsAlong(float[] y, float[] t, int tBase, int stride, int hd, int count, float[] out, int outOff) {
        for (int c = 0; c < hd; c++) {
            FloatVector acc = FloatVector.zero(F);
            int row = tBase + c * stride;
            for (int j = 0; j < count; j += L) {
                FloatVector yv = FloatVector.fromArray(F, y, j);
                acc = yv.fma(FloatVector.fromArray(F, t, row + j).blend(0f, yv.compare(VectorOperators.EQ, 0f)), acc);
            }
            out[outOff + c] += LaneSum.sum(acc);
        }
    }
}
