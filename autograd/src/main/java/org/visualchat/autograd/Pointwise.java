package org.visualchat.autograd;

import org.visualchat.tensor.DType;
import org.visualchat.tensor.Storage;
import org.visualchat.tensor.Tensor;
import org.visualchat.tensor.WorkerPool;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * Fused elementwise backward kernels for rules the contract ops cannot compose in one pass (the
 * derivatives of relu, abs, gelu, ...): {@code out[i] = rule(x[i], y[i], g[i])} over same-shaped
 * tensors, where x is the op input, y its output and g the output gradient.
 */
final class Pointwise {
    private Pointwise() {}

    /** Local derivative rule of a unary op, returning dL/dx given input x, output y and dL/dy = g. */
    @FunctionalInterface
    interface Rule {
        float apply(float x, float y, float g);
    }

    private static final int MIN_CHUNK = 1 << 14;

    static Tensor map(Tensor x, Tensor y, Tensor g, Rule rule) {
        if (!Arrays.equals(x.shape(), g.shape()) || !Arrays.equals(y.shape(), g.shape())) {
            throw new IllegalArgumentException("pointwise shapes differ: " + Arrays.toString(x.shape()) + ", " + Arrays.toString(y.shape()) + ", " + Arrays.toString(g.shape()));
        }
        MemorySegment xs = f32(x), ys = f32(y), gs = f32(g);
        Tensor out = Tensor.empty(x.shape());
        MemorySegment os = out.segment();
        int n = Math.toIntExact(x.numel());
        WorkerPool.get().parallelFor(n, MIN_CHUNK, (start, end) -> {
            for (long i = start; i < end; i++) {
                float r = rule.apply(xs.getAtIndex(Storage.F32, i), ys.getAtIndex(Storage.F32, i), gs.getAtIndex(Storage.F32, i));
                os.setAtIndex(Storage.F32, i, r);
            }
        });
        return out;
    }

    /** The bytes of a contiguous F32 copy (or the tensor itself when it already is one). */
    private static MemorySegment f32(Tensor t) {
        Tensor c = t.dtype() == DType.F32 ? t.contiguous() : t.to(DType.F32);
        return c.segment();
    }

    /** erf(x) to ~1.2e-7 relative (Numerical Recipes erfc Chebyshev fit), enough for F32 derivatives. */
    static double erf(double x) {
        double z = Math.abs(x);
        double t = 1.0 / (1.0 + 0.5 * z);
        double erfc = t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418
                + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587
                + t * (-0.82215223 + t * 0.17087277)))))))));
        return x >= 0 ? 1 - erfc : erfc - 1;
    }
}
