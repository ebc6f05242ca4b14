package org.visualchat.tensor.ops;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

/**
 * Vector API plumbing shared by the op kernels: the float species (kept in a static final field: a
 * species passed as a parameter defeats the intrinsics, see STACK.md), row loads/stores whose last
 * step is masked so that one loop body also handles the tail, off-heap scratch, and the transcendental functions the Vector API lacks (erf).
 *
 * <p>Every helper here takes or returns vectors, so it is only fast inlined: a vector crossing a call C2
 * left standing is a heap object. The {@code visualchat} launcher forces that inlining
 * ({@code -XX:CompileCommand=inline,org.visualchat.tensor.ops.VecMath::*}), which an embedding application
 * should copy (docs/ops.md, "The JIT").
 */
public final class VecMath {
    private VecMath() {}

    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    static final int L = S.length();
    static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    /**
     * Lanes {@code [i, i + L)} of an F32 row of {@code n} elements at byte offset {@code off}. A full
     * vector is a plain load; only the tail, past {@code n}, is a masked load reading 0 in the missing
     * lanes. The branch keeps one loop body for both (masking every step cost 1.6× on an add; the
     * branch costs nothing measurable), so no kernel needs a scalar tail loop.
     */
    static FloatVector load(MemorySegment s, long off, int i, int n) {
        return i + L <= n ? FloatVector.fromMemorySegment(S, s, off + 4L * i, LE)
                : FloatVector.fromMemorySegment(S, s, off + 4L * i, LE, S.indexInRange(i, n));
    }

    /** a[i]·b[i] on lanes {@code [i, min(i + L, n))}, or a[i] alone where {@code b} is null (an optional weight). */
    static FloatVector loadProduct(MemorySegment a, long ao, MemorySegment b, long bo, int i, int n) {
        FloatVector v = load(a, ao, i, n);
        return b == null ? v : v.mul(load(b, bo, i, n));
    }

    /** Stores lanes {@code [i, min(i + L, n))}, see {@link #load}. */
    static void store(FloatVector v, MemorySegment s, long off, int i, int n) {
        if (i + L <= n) v.intoMemorySegment(s, off + 4L * i, LE);
        else v.intoMemorySegment(s, off + 4L * i, LE, S.indexInRange(i, n));
    }

    /** {@code v} with the lanes at or past {@code n} set to {@code fill}, so reductions can ignore the tail. */
    static FloatVector tail(FloatVector v, int i, int n, float fill) {
        return i + L <= n ? v : v.blend(fill, S.indexInRange(i, n).not());
    }

    /**
     * Zeroed off-heap scratch memory, 64-byte aligned. Kernels never use heap segments for their own
     * buffers: Vector API loads from byte[]-backed heap segments measured ~25× slower than off-heap.
     */
    static MemorySegment scratch(long bytes) {
        return Arena.ofAuto().allocate(Math.max(bytes, 1), 64);
    }

    /** 1 / (1 + e^−x) */
    static FloatVector sigmoid(FloatVector x) {
        FloatVector d = exp(x.neg()).add(1f);
        return d.broadcast(1f).div(d);
    }

    static FloatVector reciprocal(FloatVector x) {
        return x.broadcast(1f).div(x);
    }

    // ---------------------------------------------------------------- exp

    private static final float LOG2E = 1.44269504088896341f;
    private static final float LN2_HI = 0.693359375f;          // 8 significant bits: k·LN2_HI is exact
    private static final float LN2_LO = -2.12194440e-4f;       // ln 2 − LN2_HI
    private static final float EXP_OVERFLOW = 88.72283905206835f;   // ln(MAX_VALUE): above, e^x is ∞
    private static final float EXP_UNDERFLOW = -103.97208f;          // below ln(MIN_VALUE / 2), e^x rounds to 0

    /**
     * e^x from lane-wise arithmetic only. The Vector API's EXP is an SVML call once C2 compiles it and
     * {@code Math.exp} per lane before, which round differently in the last bit; a training step then
     * depended on when the JIT ran, and resumed runs drifted from uninterrupted ones. Cephes' expf:
     * k = round(x·log₂e), r = x − k·ln 2 in two exact-ish steps (Cody–Waite), e^r by a degree-7
     * minimax polynomial (≈1 ulp), then ·2^k applied as two powers of two so that k down to −150
     * (subnormal results) and up to 128 need no special case.
     */
    public static FloatVector exp(FloatVector x) {
        FloatVector t = x.mul(LOG2E);
        IntVector k = (IntVector) t.add(t.broadcast(0.5f).blend(t.broadcast(-0.5f), t.compare(VectorOperators.LT, 0f)))
                .max(-151f).min(129f).convert(VectorOperators.F2I, 0);                 // round half away from 0
        FloatVector kf = (FloatVector) k.convert(VectorOperators.I2F, 0);
        FloatVector r = kf.fma(kf.broadcast(-LN2_LO), kf.fma(kf.broadcast(-LN2_HI), x));
        FloatVector p = r.fma(1.9875691500E-4f, 1.3981999507E-3f).fma(r, r.broadcast(8.3334519073E-3f))
                .fma(r, r.broadcast(4.1665795894E-2f)).fma(r, r.broadcast(1.6666665459E-1f)).fma(r, r.broadcast(5.0000001201E-1f));
        FloatVector e = p.mul(r.mul(r)).add(r).add(1f);
        // 2^k1 · 2^(k − k1), k1 = k >> 1, each the biased exponent placed in a float's exponent field. Written out,
        // not as a helper method: in a big loop body C2 stops inlining calls (NodeCountInliningCutoff), and a call
        // left standing boxes the vectors it takes and returns (MMCA's softmax lost the second such call and made
        // most of the attention kernel's garbage, session 10). Vector API methods are force-inlined, never cut off.
        IntVector k1 = k.lanewise(VectorOperators.ASHR, 1), k2 = k.sub(k1);
        e = e.mul(k1.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats())
                .mul(k2.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats());
        e = e.blend(x.broadcast(Float.POSITIVE_INFINITY), x.compare(VectorOperators.GT, EXP_OVERFLOW));
        return e.blend(x.broadcast(0f), x.compare(VectorOperators.LT, EXP_UNDERFLOW));
    }

    private static final float EXP_FLUSH = -87.68f;   // just above −126.5·ln 2: from here down, k = round(x·log₂e) < −126

    /**
     * e^x for x ≤ 0 (−∞ included), as a softmax takes it after subtracting its largest score: {@link #exp}'s steps
     * (the reduction and the polynomial are the same lines, kept apart so neither needs a call C2 might not inline),
     * but k ≥ −126 so 2^k is one normal power of two and the sign of x is known, with x below −87.68 (results under
     * 2^−126.5) flushed to 0. Equal to {@link #exp} bit for bit on [−87.68, 0]; about a third fewer operations.
     */
    public static FloatVector expNonPositive(FloatVector x) {
        IntVector k = (IntVector) x.mul(LOG2E).sub(0.5f).max(-126f).convert(VectorOperators.F2I, 0);   // round half away from 0, x ≤ 0
        FloatVector kf = (FloatVector) k.convert(VectorOperators.I2F, 0);
        FloatVector r = kf.fma(kf.broadcast(-LN2_LO), kf.fma(kf.broadcast(-LN2_HI), x));
        FloatVector p = r.fma(1.9875691500E-4f, 1.3981999507E-3f).fma(r, r.broadcast(8.3334519073E-3f))
                .fma(r, r.broadcast(4.1665795894E-2f)).fma(r, r.broadcast(1.6666665459E-1f)).fma(r, r.broadcast(5.0000001201E-1f));
        FloatVector e = p.mul(r.mul(r)).add(r).add(1f).mul(k.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats());
        return e.blend(x.broadcast(0f), x.compare(VectorOperators.LT, EXP_FLUSH));
    }

    // ---------------------------------------------------------------- erf / erfc
    //
    // Two pieces, fitted for this project (weighted Chebyshev least squares in double, coefficients
    // rounded to float; fit script restated in docs/ops.md):
    //   |x| < 1:  erf(a)  = a·P(a²)                               (odd, so relative accuracy near 0)
    //   |x| ≥ 1:  erfc(a) = exp(−a²)·Q(t), t = 1/(1 + a/2)       (Q approximates erfcx on [1, 10];
    //             beyond 10 erfc underflows float anyway)
    // erf for |x| ≥ 1 is 1 − erfc(a) (no cancellation: erfc ≤ 0.16), erfc for x ≤ −1 is 2 − erfc(a).
    // Measured on a dense sweep of [-10, 10] against a double-precision reference
    // (UnaryTest.erfAndGeluAreAccurateOnADenseSweep): erf max relative error 1.6e-7; gelu, computed as
    // 0.5·x·erfc(−x/√2) so the far negative tail keeps relative accuracy, 8.2e-7.

    private static final float P0 = 1.1283791065216064f, P1 = -0.3761262893676758f, P2 = 0.11283621937036514f,
            P3 = -0.026855509728193283f, P4 = 0.0051918332464993f, P5 = -0.0008043373818509281f, P6 = 7.971048762556165e-05f;
    private static final float Q0 = -2.7195801521884277e-06f, Q1 = 0.2821636497974396f, Q2 = 0.28138142824172974f,
            Q3 = 0.25061240792274475f, Q4 = 0.16661328077316284f, Q5 = 0.08603329211473465f, Q6 = 0.051383279263973236f,
            Q7 = -0.20492777228355408f, Q8 = 0.08727788925170898f;

    /** erf(a) for 0 ≤ a < 1. */
    private static FloatVector erfSmall(FloatVector a) {
        FloatVector s = a.mul(a);
        FloatVector p = s.fma(P6, P5).fma(s, s.broadcast(P4)).fma(s, s.broadcast(P3)).fma(s, s.broadcast(P2))
                .fma(s, s.broadcast(P1)).fma(s, s.broadcast(P0));
        return p.mul(a);
    }

    /**
     * erfc(a) for a ≥ 1 given a² as the exact sum hi + lo (any value where a < 1: callers blend those
     * lanes away). Taking a² split lets gelu pass x²/2 without rounding x/√2 first: at a = 6 erfc's
     * condition number is 2a² = 72, so a rounded argument alone would cost 4e-6.
     */
    private static FloatVector erfcLarge(FloatVector a, FloatVector hi, FloatVector lo) {
        FloatVector t = reciprocal(a.fma(0.5f, 1f));
        FloatVector q = t.fma(Q8, Q7).fma(t, t.broadcast(Q6)).fma(t, t.broadcast(Q5)).fma(t, t.broadcast(Q4))
                .fma(t, t.broadcast(Q3)).fma(t, t.broadcast(Q2)).fma(t, t.broadcast(Q1)).fma(t, t.broadcast(Q0));
        // exp(−hi − lo) = exp(−hi)·(1 − lo) since |lo| ≤ ulp(hi)/2; hi is capped at 120 (erfc(11) is
        // below the smallest float) so that infinite a gives 0 rather than ∞·0.
        FloatVector e = exp(hi.min(120f).neg()).mul(lo.neg().add(1f));
        return e.mul(q);
    }

    /** erf(x) and erfc(x) share this: u the argument, a = |u|, a² = hi + lo exactly. */
    private static FloatVector erfOrErfc(FloatVector u, FloatVector a, FloatVector hi, FloatVector lo, boolean complement) {
        VectorMask<Float> negative = u.lt(0f), small = a.lt(1f);
        FloatVector erfSmall = erfSmall(a);
        FloatVector large = erfcLarge(a, hi, lo.blend(0f, hi.compare(VectorOperators.GT, 120f)));
        if (complement) {
            FloatVector oneMinusErf = erfSmall.blend(erfSmall.neg(), negative).neg().add(1f);
            return large.blend(large.neg().add(2f), negative).blend(oneMinusErf, small);
        }
        FloatVector r = large.neg().add(1f).blend(erfSmall, small);
        return r.blend(r.neg(), negative);
    }

    static FloatVector erf(FloatVector x) {
        FloatVector a = x.abs(), hi = a.mul(a);
        return erfOrErfc(x, a, hi, a.fma(a, hi.neg()), false);
    }

    private static final float SQRT_HALF = (float) Math.sqrt(0.5);

    /** Exact GELU 0.5·x·(1 + erf(x/√2)) = 0.5·x·erfc(−x/√2), with (x/√2)² formed exactly as x²/2. */
    static FloatVector gelu(FloatVector x) {
        FloatVector u = x.mul(-SQRT_HALF), xx = x.mul(x);
        FloatVector hi = xx.mul(0.5f), lo = x.fma(x, xx.neg()).mul(0.5f);
        return x.mul(0.5f).mul(erfOrErfc(u, u.abs(), hi, lo, true));
    }
}
