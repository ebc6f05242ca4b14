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

    /** How many consecutive rows {@link #dotsAcrossRows} serves from one load of t. */
    static final int ROW_BLOCK = 4;

    /**
     * {@link #dotsAcross} for {@code rows} ≤ {@link #ROW_BLOCK} consecutive rows of x (row k at xOff + k·hd) into
     * out[k], each over keys [0, count) (the last row's count: an earlier row's extra lanes are its future keys, for its
     * caller to mask). Four rows at once share every vector of t and run four independent multiply-add chains; each
     * lane's chain over c is the one {@link #dotsAcross} runs, so the bits are the same.
     */
    static void dotsAcrossRows(float[] x, int xOff, int rows, int hd, float[] t, int tBase, int stride, int count, float[][] out) {
        if (rows < ROW_BLOCK) {
            for (int k = 0; k < rows; k++) dotsAcross(x, xOff + k * hd, hd, t, tBase, stride, count, out[k]);
            return;
        }
        float[] out0 = out[0], out1 = out[1], out2 = out[2], out3 = out[3];
        for (int j = 0; j < count; j += L) {
            FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
            for (int c = 0; c < hd; c++) {
                FloatVector tv = FloatVector.fromArray(F, t, tBase + c * stride + j);
                a0 = tv.fma(FloatVector.broadcast(F, x[xOff + c]), a0);
                a1 = tv.fma(FloatVector.broadcast(F, x[xOff + hd + c]), a1);
                a2 = tv.fma(FloatVector.broadcast(F, x[xOff + 2 * hd + c]), a2);
                a3 = tv.fma(FloatVector.broadcast(F, x[xOff + 3 * hd + c]), a3);
            }
            a0.intoArray(out0, j);
            a1.intoArray(out1, j);
            a2.intoArray(out2, j);
            a3.intoArray(out3, j);
        }
    }

    /**
     * Scaled scores out[j] = dots[j]·scale of one query row against keys [0, count) (the row's q·k_j from
     * {@link #dotsAcrossRows}), −∞ on the lanes past {@code count} up to a whole vector. One pass serves every softmax
     * branch of the row: the branches show disjoint sets of keys ({@link #maxVisible}, {@link #expSplit}).
     */
    static void scaledScores(float[] dots, float scale, int count, float[] out) {
        for (int j = 0; j < count; j += L) {
            FloatVector.fromArray(F, dots, j).mul(scale).blend(Float.NEGATIVE_INFINITY, F.indexInRange(j, count).not()).intoArray(out, j);
        }
    }

    /**
     * The largest s[j] over the keys each branch shows ({@code hiddenA[j]} = 0, resp. {@code hiddenB[j]} = 0) into
     * max[0] and max[1], −∞ for a branch that shows none. The lanes of s past {@code count} are −∞ ({@link #scaledScores}) and a
     * hidden key's mask is −∞, so s + mask is the score or −∞ with no lane mask to build.
     */
    static void maxVisible(float[] s, float[] hiddenA, float[] hiddenB, int count, float[] max) {
        FloatVector maxA = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY), maxB = maxA;
        for (int j = 0; j < count; j += L) {
            FloatVector sv = FloatVector.fromArray(F, s, j);
            maxA = maxA.max(sv.add(FloatVector.fromArray(F, hiddenA, j)));
            maxB = maxB.max(sv.add(FloatVector.fromArray(F, hiddenB, j)));
        }
        max[0] = maxA.reduceLanes(VectorOperators.MAX);
        max[1] = maxB.reduceLanes(VectorOperators.MAX);
    }

    /**
     * The exponentials of two softmax branches over disjoint keys in one pass, each into an array of its own:
     * eA[j] = e^(s[j] − shiftA) on the keys branch A shows ({@code hiddenA[j]} = 0, j < count), 0 on every other lane,
     * eB[j] the same for branch B; sums[0] and sums[1] get each branch's sum (lanes added vector-wise, then folded by
     * {@link LaneSum#sum(float[], int)}). Both arrays are written up to a whole vector past {@code count}. {@code lanes}
     * (≥ L floats) is scratch. A row with one branch passes an all-hidden array as the other.
     *
     * <p>Called through a method handle C2 cannot inline (an element of a non-constant array, as in
     * tensor's {@code MatVec.ROW_LOOPS}): inlined into MMCA's big row loops, {@code VecMath.exp} lost
     * calls to NodeCountInliningCutoff and ran on boxed vectors. Compiled on its own the loop fits C2's
     * budget with exp fully inlined, and no vector crosses a call that might not be inlined. One call per row.
     */
    static void expSplit(float[] s, float[] hiddenA, float shiftA, float[] hiddenB, float shiftB, int count,
                         float[] eA, float[] eB, float[] lanes, float[] sums) {
        try {
            EXP_SPLIT[0].invokeExact(s, hiddenA, shiftA, hiddenB, shiftB, count, eA, eB, lanes, sums);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
    }

    private static final MethodHandle[] EXP_SPLIT = new MethodHandle[1];

    static {
        try {
            EXP_SPLIT[0] = MethodHandles.lookup().findStatic(Lanes.class, "expSplitLoop", MethodType.methodType(void.class,
                    float[].class, float[].class, float.class, float[].class, float.class, int.class, float[].class, float[].class, float[].class, float[].class));
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private static void expSplitLoop(float[] s, float[] hiddenA, float shiftA, float[] hiddenB, float shiftB, int count,
                                     float[] eA, float[] eB, float[] lanes, float[] sums) {
        FloatVector sumA = FloatVector.zero(F), sumB = FloatVector.zero(F);
        // An empty branch's shift is −∞ and it has no lane; 0 in its place keeps −∞ − shift from making NaN on hidden lanes.
        FloatVector shiftAv = FloatVector.broadcast(F, shiftA == Float.NEGATIVE_INFINITY ? 0f : shiftA);
        FloatVector shiftBv = FloatVector.broadcast(F, shiftB == Float.NEGATIVE_INFINITY ? 0f : shiftB);
        for (int j = 0; j < count; j += L) {
            FloatVector maskA = FloatVector.fromArray(F, hiddenA, j), maskB = FloatVector.fromArray(F, hiddenB, j);
            VectorMask<Float> inA = maskA.compare(VectorOperators.EQ, 0f);
            // s + max(maskA, maskB) is −∞ on a key neither branch shows and on the lanes past count (s is −∞ there).
            FloatVector x = FloatVector.fromArray(F, s, j).add(maskA.max(maskB)).sub(shiftBv.blend(shiftAv, inA));
            FloatVector e = VecMath.expNonPositive(x);
            FloatVector a = e.blend(0f, inA.not()), b = e.sub(a);      // exact: e − e = 0 on A's keys, e − 0 = e on B's
            a.intoArray(eA, j);
            b.intoArray(eB, j);
            sumA = sumA.add(a);
            sumB = sumB.add(b);
        }
        sumA.intoArray(lanes, 0);
        sums[0] = LaneSum.sum(lanes, 0);
        sumB.intoArray(lanes, 0);
        sums[1] = LaneSum.sum(lanes, 0);
    }

    /** out[outOff + j] = a[j]·scaleA + b[j]·scaleB for j in [0, count) rounded up to a whole vector. */
    static void mix(float[] a, float scaleA, float[] b, float scaleB, int count, float[] out, int outOff) {
        for (int j = 0; j < count; j += L) {
            FloatVector.fromArray(F, b, j).mul(scaleB).add(FloatVector.fromArray(F, a, j).mul(scaleA)).intoArray(out, outOff + j);
        }
    }

    /**
     * dp[j] ← p[pOff + j]·(dp[j] − delta)·scale for j in [0, count), with delta = deltaA on the keys branch A shows
     * ({@code hiddenA[j]} = 0) and deltaB elsewhere; exactly 0 where p is (a hidden key's dp may be NaN).
     */
    static void scoreGradients(float[] p, int pOff, float[] dp, float[] hiddenA, float deltaA, float deltaB, float scale, int count) {
        FloatVector deltaAv = FloatVector.broadcast(F, deltaA), deltaBv = FloatVector.broadcast(F, deltaB);
        for (int j = 0; j < count; j += L) {
            FloatVector pv = FloatVector.fromArray(F, p, pOff + j);
            FloatVector delta = deltaBv.blend(deltaAv, FloatVector.fromArray(F, hiddenA, j).compare(VectorOperators.EQ, 0f));
            pv.mul(FloatVector.fromArray(F, dp, j).sub(delta)).mul(scale)
                    .blend(0f, pv.compare(VectorOperators.EQ, 0f)).intoArray(dp, j);
        }
    }

    /**
     * out[off + c] += Σ_{j < count} w[wOff + j]·x[xBase + j·hd + c] for c < hd: rows of x (keys of V or K, [T, D]) weighted
     * by a row of probabilities or score gradients. The head dimension is the vector (one vector for D = 16): a
     * broadcast weight and a fused multiply-add per key, with even and odd keys in two accumulators so that
     * consecutive keys do not wait on each other's multiply-add. Every key below {@code count} is read (a weight of
     * 0 adds 0: those keys are the row's own past, finite values), none at or past it.
     */
    static void addWeightedRows(float[] w, int wOff, int count, float[] x, int xBase, int hd, float[] out, int off) {
        int c = 0;
        for (int bound = F.loopBound(hd); c < bound; c += L) {
            FloatVector even = FloatVector.zero(F), odd = FloatVector.zero(F);
            int j = 0;
            for (; j + 1 < count; j += 2) {
                even = FloatVector.fromArray(F, x, xBase + j * hd + c).fma(FloatVector.broadcast(F, w[wOff + j]), even);
                odd = FloatVector.fromArray(F, x, xBase + (j + 1) * hd + c).fma(FloatVector.broadcast(F, w[wOff + j + 1]), odd);
            }
            if (j < count) even = FloatVector.fromArray(F, x, xBase + j * hd + c).fma(FloatVector.broadcast(F, w[wOff + j]), even);
            even.add(odd).add(FloatVector.fromArray(F, out, off + c)).intoArray(out, off + c);
        }
        addWeightedColumns(w, wOff, count, x, xBase, hd, out, off, c);
    }

    /** The scalar tail of {@link #addWeightedRows}: its sums for the head-dimension columns c ≥ {@code from}. */
    private static void addWeightedColumns(float[] w, int wOff, int count, float[] x, int xBase, int hd, float[] out, int off, int from) {
        for (int c = from; c < hd; c++) {
            float sum = 0;
            for (int j = 0; j < count; j++) sum += w[wOff + j] * x[xBase + j * hd + c];
            out[off + c] += sum;
        }
    }

    /**
     * {@link #addWeightedRows} for two rows of weights over the same rows of x (a strict row's two branches, or two
     * query rows of a head): outA[offA..] gets wA's first {@code countA} keys, outB[offB..] wB's first {@code countB}.
     * Each output is summed exactly as there (key j into the even or the odd accumulator by its parity, in key
     * order, the last key of an odd count into the even one), so the bits are the same, while x is read once for
     * both and four multiply-add chains run instead of two.
     */
    static void addWeightedRowPair(float[] wA, int countA, float[] wB, int countB, float[] x, int xBase, int hd,
                                   float[] outA, int offA, float[] outB, int offB) {
        int both = Math.min(countA, countB), c = 0;
        for (int bound = F.loopBound(hd); c < bound; c += L) {
            FloatVector evenA = FloatVector.zero(F), oddA = FloatVector.zero(F), evenB = FloatVector.zero(F), oddB = FloatVector.zero(F);
            int j = 0;
            for (; j + 1 < both; j += 2) {
                FloatVector even = FloatVector.fromArray(F, x, xBase + j * hd + c), odd = FloatVector.fromArray(F, x, xBase + (j + 1) * hd + c);
                evenA = even.fma(FloatVector.broadcast(F, wA[j]), evenA);
                evenB = even.fma(FloatVector.broadcast(F, wB[j]), evenB);
                oddA = odd.fma(FloatVector.broadcast(F, wA[j + 1]), oddA);
                oddB = odd.fma(FloatVector.broadcast(F, wB[j + 1]), oddB);
            }
            int jA = j, jB = j;                                 // j is even: each row goes on as it would alone
            for (; jA + 1 < countA; jA += 2) {
                evenA = FloatVector.fromArray(F, x, xBase + jA * hd + c).fma(FloatVector.broadcast(F, wA[jA]), evenA);
                oddA = FloatVector.fromArray(F, x, xBase + (jA + 1) * hd + c).fma(FloatVector.broadcast(F, wA[jA + 1]), oddA);
            }
            if (jA < countA) evenA = FloatVector.fromArray(F, x, xBase + jA * hd + c).fma(FloatVector.broadcast(F, wA[jA]), evenA);
            for (; jB + 1 < countB; jB += 2) {
                evenB = FloatVector.fromArray(F, x, xBase + jB * hd + c).fma(FloatVector.broadcast(F, wB[jB]), evenB);
                oddB = FloatVector.fromArray(F, x, xBase + (jB + 1) * hd + c).fma(FloatVector.broadcast(F, wB[jB + 1]), oddB);
            }
            if (jB < countB) evenB = FloatVector.fromArray(F, x, xBase + jB * hd + c).fma(FloatVector.broadcast(F, wB[jB]), evenB);
            evenA.add(oddA).add(FloatVector.fromArray(F, outA, offA + c)).intoArray(outA, offA + c);
            evenB.add(oddB).add(FloatVector.fromArray(F, outB, offB + c)).intoArray(outB, offB + c);
        }
        addWeightedColumns(wA, 0, countA, x, xBase, hd, outA, offA, c);
        addWeightedColumns(wB, 0, countB, x, xBase, hd, outB, offB, c);
    }

    /** t[tBase + c·stride + j] += x[xOff + c]·y[yOff + j] for c < hd and j in [0, count) (whole vectors; y is 0 past count). */
    static void rankOneAcross(float[] x, int xOff, int hd, float[] y, int yOff, float[] t, int tBase, int stride, int count) {
        for (int c = 0; c < hd; c++) {
            FloatVector xc = FloatVector.broadcast(F, x[xOff + c]);
            int row = tBase + c * stride;
            for (int j = 0; j < count; j += L) {
                FloatVector.fromArray(F, y, yOff + j).fma(xc, FloatVector.fromArray(F, t, row + j)).intoArray(t, row + j);
            }
        }
    }
}
