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
     * Scaled scores s[j] = (q·k_j)·scale of one query row against keys [0, count) (see {@link #dotsAcross}), −∞ on
     * the lanes past {@code count} up to a whole vector. One pass serves every softmax branch of the row: the
     * branches show disjoint sets of keys ({@link #maxVisible}, {@link #expShifted}).
     */
    static void scores(float[] q, int qOff, int hd, float[] kt, int ktBase, int stride, float scale, int count, float[] out) {
        dotsAcross(q, qOff, hd, kt, ktBase, stride, count, out);
        for (int j = 0; j < count; j += L) {
            FloatVector.fromArray(F, out, j).mul(scale).blend(Float.NEGATIVE_INFINITY, F.indexInRange(j, count).not()).intoArray(out, j);
        }
    }

    /** The largest s[j] over the keys j < count a branch shows ({@code hidden[j]} = 0); −∞ when it shows none. */
    static float maxVisible(float[] s, float[] hidden, int count) {
        FloatVector max = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
        for (int j = 0; j < count; j += L) {
            max = max.max(FloatVector.fromArray(F, s, j).blend(Float.NEGATIVE_INFINITY, shows(hidden, j, count).not()));
        }
        return max.reduceLanes(VectorOperators.MAX);
    }

    /** Lanes [j, j + L) of keys a branch shows: {@code hidden} is 0 there and the key is before {@code count}. */
    private static VectorMask<Float> shows(float[] hidden, int j, int count) {
        return FloatVector.fromArray(F, hidden, j).compare(VectorOperators.EQ, 0f).and(F.indexInRange(j, count));
    }

    /**
     * The exponentials of two softmax branches over disjoint keys in one pass: s[j] = e^(s[j] − shiftA) on the keys
     * branch A shows ({@code hiddenA[j]} = 0, j < count), e^(s[j] − shiftB) on branch B's, 0 on every other lane;
     * sums[0] and sums[1] get each branch's sum (lanes added vector-wise, then folded by {@link LaneSum#sum(float[],
     * int)}: the bits a separate pass per branch, whose hidden lanes add exactly 0, would give). {@code lanes}
     * (≥ L floats) is scratch. A row with one branch passes an all-hidden array as the other.
     *
     * <p>Called through a method handle C2 cannot inline (an element of a non-constant array, as in
     * tensor's {@code MatVec.ROW_LOOPS}): inlined into MMCA's big row loops, {@code VecMath.exp} lost
     * its last calls to NodeCountInliningCutoff and ran on boxed vectors (~20 % of the training step's
     * samples, ~1 GB/s of garbage). Compiled on its own the loop fits C2's budget with exp fully
     * inlined, and no vector crosses a call that might not be inlined. One call per row.
     */
    static void expShifted(float[] s, float[] hiddenA, float shiftA, float[] hiddenB, float shiftB, int count, float[] lanes, float[] sums) {
        try {
            EXP_SHIFTED[0].invokeExact(s, hiddenA, shiftA, hiddenB, shiftB, count, lanes, sums);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
    }

    private static final MethodHandle[] EXP_SHIFTED = new MethodHandle[1];

    static {
        try {
            EXP_SHIFTED[0] = MethodHandles.lookup().findStatic(Lanes.class, "expShiftedLoop", MethodType.methodType(void.class,
                    float[].class, float[].class, float.class, float[].class, float.class, int.class, float[].class, float[].class));
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private static void expShiftedLoop(float[] s, float[] hiddenA, float shiftA, float[] hiddenB, float shiftB, int count, float[] lanes, float[] sums) {
        FloatVector sumA = FloatVector.zero(F), sumB = FloatVector.zero(F);
        FloatVector shiftAv = FloatVector.broadcast(F, shiftA), shiftBv = FloatVector.broadcast(F, shiftB);
        for (int j = 0; j < count; j += L) {
            VectorMask<Float> inA = shows(hiddenA, j, count), inB = shows(hiddenB, j, count);
            FloatVector x = FloatVector.fromArray(F, s, j).sub(shiftBv.blend(shiftAv, inA)).blend(Float.NEGATIVE_INFINITY, inA.or(inB).not());
            FloatVector e = VecMath.exp(x);
            e.intoArray(s, j);
            sumA = sumA.add(e.blend(0f, inA.not()));
            sumB = sumB.add(e.blend(0f, inB.not()));
        }
        sumA.intoArray(lanes, 0);
        sums[0] = LaneSum.sum(lanes, 0);
        sumB.intoArray(lanes, 0);
        sums[1] = LaneSum.sum(lanes, 0);
    }

    /**
     * dp[j] ← p[j]·(dp[j] − delta)·scale for j in [0, count), with delta = deltaA on the keys branch A shows
     * ({@code hiddenA[j]} = 0) and deltaB elsewhere; exactly 0 where p[j] is (a hidden key's dp may be NaN).
     */
    static void scoreGradients(float[] p, float[] dp, float[] hiddenA, float deltaA, float deltaB, float scale, int count) {
        FloatVector deltaAv = FloatVector.broadcast(F, deltaA), deltaBv = FloatVector.broadcast(F, deltaB);
        for (int j = 0; j < count; j += L) {
            FloatVector pv = FloatVector.fromArray(F, p, j);
            FloatVector delta = deltaBv.blend(deltaAv, FloatVector.fromArray(F, hiddenA, j).compare(VectorOperators.EQ, 0f));
            pv.mul(FloatVector.fromArray(F, dp, j).sub(delta)).mul(scale)
                    .blend(0f, pv.compare(VectorOperators.EQ, 0f)).intoArray(dp, j);
        }
    }

    /**
     * The probability-weighted rows of V of two branches over disjoint keys: oA[off + c] += Σ_j p[j]·v[vBase + j·hd + c]
     * over the keys j < count with p[j] ≠ 0 that branch A shows ({@code hiddenA[j]} = 0), oB the same over the
     * others. Each element adds its terms in key order with the operations {@link #axpy} per key would use
     * (a fused multiply-add per whole vector of the head dimension, multiply then add on the tail), so the bits are
     * the same; but each vector of o stays in a register across the keys instead of a store and a load per key.
     * oB is written before oA, so a row with one branch may pass the same array for both (B shows no key then).
     */
    static void weightedRows(float[] p, float[] hiddenA, int count, float[] v, int vBase, int hd, float[] oA, float[] oB, int off) {
        int c = 0;
        for (int bound = F.loopBound(hd); c < bound; c += L) {
            FloatVector accA = FloatVector.fromArray(F, oA, off + c), accB = FloatVector.fromArray(F, oB, off + c);
            for (int j = 0; j < count; j++) {
                float pj = p[j];
                if (pj == 0) continue;
                FloatVector vj = FloatVector.fromArray(F, v, vBase + j * hd + c);
                if (hiddenA[j] == 0) accA = vj.fma(FloatVector.broadcast(F, pj), accA);
                else accB = vj.fma(FloatVector.broadcast(F, pj), accB);
            }
            accB.intoArray(oB, off + c);
            accA.intoArray(oA, off + c);
        }
        for (; c < hd; c++) {
            float a = oA[off + c], b = oB[off + c];
            for (int j = 0; j < count; j++) {
                float pj = p[j];
                if (pj == 0) continue;
                if (hiddenA[j] == 0) a += pj * v[vBase + j * hd + c];
                else b += pj * v[vBase + j * hd + c];
            }
            oB[off + c] = b;
            oA[off + c] = a;
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
     * outA[c] = Σ_j y[j]·t[tBase + c·stride + j] over the keys j < count branch A shows ({@code hiddenA[j]} = 0),
     * outB[c] the same over the other keys: one pass over t for both branches, each with its own accumulator (the
     * bits of a pass per branch). Lanes where y is 0 are skipped, so a key the row may not see (a future one, NaN
     * in a test) adds nothing.
     */
    static void dotsAlong(float[] y, float[] hiddenA, float[] t, int tBase, int stride, int hd, int count, float[] outA, float[] outB) {
        for (int c = 0; c < hd; c++) {
            FloatVector accA = FloatVector.zero(F), accB = FloatVector.zero(F);
            int row = tBase + c * stride;
            for (int j = 0; j < count; j += L) {
                FloatVector yv = FloatVector.fromArray(F, y, j);
                FloatVector tv = FloatVector.fromArray(F, t, row + j).blend(0f, yv.compare(VectorOperators.EQ, 0f));
                VectorMask<Float> inA = FloatVector.fromArray(F, hiddenA, j).compare(VectorOperators.EQ, 0f);
                accA = yv.blend(0f, inA.not()).fma(tv, accA);
                accB = yv.blend(0f, inA).fma(tv, accB);
            }
            outA[c] = LaneSum.sum(accA);
            outB[c] = LaneSum.sum(accB);
        }
    }
}
