package org.visualchat.tensor.ops;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

/**
 * Vector API plumbing shared by the op kernels: the float species (kept in a static final field: a
 * species passed as a parameter defeats the intrinsics, see STACK.md), masked row loads/stores so that
 * one loop body also handles the tail, and the transcendental functions the Vector API lacks (erf).
 */
final class VecMath {
    private VecMath() {}

    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    static final int L = S.length();
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    /** Lanes {@code [i, min(i + L, n))} of a row; the rest are false so the loop body also does the tail. */
    static VectorMask<Float> lanes(int i, int n) {
        return S.indexInRange(i, n);
    }

    /** Loads lanes of the F32 row at byte offset {@code off}, element {@code i}; masked-off lanes read 0. */
    static FloatVector load(MemorySegment s, long off, int i, VectorMask<Float> m) {
        return FloatVector.fromMemorySegment(S, s, off + 4L * i, LE, m);
    }

    static void store(FloatVector v, MemorySegment s, long off, int i, VectorMask<Float> m) {
        v.intoMemorySegment(s, off + 4L * i, LE, m);
    }

    static FloatVector reciprocal(FloatVector x) {
        return x.broadcast(1f).div(x);
    }

    // ---------------------------------------------------------------- erf / erfc
    //
    // Two pieces, fitted for this project (weighted Chebyshev least squares in double, coefficients
    // rounded to float; fit script restated in docs/ops.md):
    //   |x| < 1:  erf(a)  = a·P(a²)                               (odd, so relative accuracy near 0)
    //   |x| ≥ 1:  erfc(a) = exp(−a²)·Q(t), t = 1/(1 + a/2)       (Q approximates erfcx on [1, 10];
    //             beyond 10 erfc underflows float anyway)
    // erf for |x| ≥ 1 is 1 − erfc(a) (no cancellation: erfc ≤ 0.16), erfc for x ≤ −1 is 2 − erfc(a).
    // Measured max error against a double-precision reference (ErfAccuracyTest): erf 2.0e-7 relative;
    // erfc(x) for x ≥ 1 within 5e-7 relative down to 1e-30, so gelu keeps relative accuracy on the
    // negative tail where 1 + erf(x) would cancel.

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

    /** erfc(a) for a ≥ 1 (any value in lanes where a < 1, the callers blend those away). */
    private static FloatVector erfcLarge(FloatVector a) {
        FloatVector t = reciprocal(a.fma(0.5f, 1f));
        FloatVector q = t.fma(Q8, Q7).fma(t, t.broadcast(Q6)).fma(t, t.broadcast(Q5)).fma(t, t.broadcast(Q4))
                .fma(t, t.broadcast(Q3)).fma(t, t.broadcast(Q2)).fma(t, t.broadcast(Q1)).fma(t, t.broadcast(Q0));
        // exp(−a²) with a² split exactly into hi + lo (FMA), so its rounding does not cost 1e-6 at a = 4.
        FloatVector hi = a.mul(a);
        FloatVector lo = a.fma(a, hi.neg());
        FloatVector e = hi.neg().lanewise(VectorOperators.EXP).mul(lo.neg().add(1f));
        return e.mul(q);
    }

    static FloatVector erf(FloatVector x) {
        FloatVector a = x.abs();
        VectorMask<Float> small = a.lt(1f);
        FloatVector r = erfcLarge(a).neg().add(1f).blend(erfSmall(a), small);
        return r.blend(r.neg(), x.lt(0f));
    }

    static FloatVector erfc(FloatVector x) {
        FloatVector a = x.abs();
        VectorMask<Float> negative = x.lt(0f);
        FloatVector small = erfSmall(a);
        FloatVector oneMinusErf = small.blend(small.neg(), negative).neg().add(1f);
        FloatVector large = erfcLarge(a);
        return large.blend(large.neg().add(2f), negative).blend(oneMinusErf, a.lt(1f));
    }
}
