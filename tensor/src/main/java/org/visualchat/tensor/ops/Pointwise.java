package org.visualchat.tensor.ops;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import org.visualchat.tensor.Shapes;
import org.visualchat.tensor.Tensor;

import java.lang.foreign.MemorySegment;

import static org.visualchat.tensor.ops.VecMath.L;
import static org.visualchat.tensor.ops.VecMath.LE;
import static org.visualchat.tensor.ops.VecMath.S;
import static org.visualchat.tensor.ops.VecMath.load;
import static org.visualchat.tensor.ops.VecMath.store;

/**
 * The element-by-element kernels behind {@link Unary} and {@link Elementwise}: one row function per
 * formula, applied a vector at a time to rows from {@link RowWalk}/{@link RowReader}.
 *
 * <p>Each formula's loop is its own small method (a lambda), picked once per call. A single loop
 * switching on the formula per vector, or one method holding every formula's loop, exceeded C2's
 * inlining budget: part of the Vector API chain was left as calls, and every vector crossing such a
 * call became a heap object — an add on [656, 256] allocated 1 MB of boxed vectors and ran 2–4× slower,
 * silu 8 MB (issue 6's training-step profile). Only segments and offsets cross these methods' edges.
 *
 * <p>The formulas built on {@code sigmoid} load every operand before it and store with the Vector API's own
 * masked store: {@code exp} takes C2 past its node budget (NodeCountInliningCutoff), after which no method
 * of ours is inlined, and a {@code store} or {@code load} call left standing boxes its vector (docs/ops.md).
 */
final class Pointwise {
    private Pointwise() {}

    /** One-input formulas; {@code p} is the scalar parameter of the *_SCALAR ones. */
    enum Map { EXP, LOG, SQRT, RSQRT, TANH, SIGMOID, SILU, RELU, NEG, ABS, SQUARE, GELU, GELU_TANH, QUICK_GELU, ERF, ADD_SCALAR, MUL_SCALAR, POW_SCALAR }

    /** Two-input formulas; SILU_BACKWARD takes (x, dL/dy) of y = silu(x), SILU_MUL (gate, up). */
    enum Zip { ADD, SUB, MUL, DIV, MAXIMUM, MINIMUM, SILU_BACKWARD, SILU_MUL }

    /** out[i] = f(x[i]; p) over a row of n floats. */
    @FunctionalInterface
    interface MapRow {
        void run(float p, MemorySegment xs, long xo, MemorySegment os, long oo, int n);
    }

    /** out[i] = f(a[i], b[i]) over a row of n floats. */
    @FunctionalInterface
    interface ZipRow {
        void run(MemorySegment as, long ao, MemorySegment bs, long bo, MemorySegment os, long oo, int n);
    }

    private static final float SQRT_2_OVER_PI = (float) Math.sqrt(2 / Math.PI);

    static MapRow mapRow(Map op) {
        return switch (op) {
            case EXP -> (p, xs, xo, os, oo, n) -> { for (int i = 0; i < n; i += L) store(VecMath.exp(load(xs, xo, i, n)), os, oo, i, n); };
            case LOG -> (p, xs, xo, os, oo, n) -> { for (int i = 0; i < n; i += L) store(load(xs, xo, i, n).lanewise(VectorOperators.LOG), os, oo, i, n); };
            case SQRT -> (p, xs, xo, os, oo, n) -> { for (int i = 0; i < n; i += L) store(load(xs, xo, i, n).sqrt(), os, oo, i, n); };
            case RSQRT -> (p, xs, xo, os, oo, n) -> { for (int i = 0; i < n; i += L) store(VecMath.reciprocal(load(xs, xo, i, n).sqrt()), os, oo, i, n); };
            case TANH -> (p, xs, xo, os, oo, n) -> { for (int i = 0; i < n; i += L) store(load(xs, xo, i, n).lanewise(VectorOperators.TANH), os, oo, i, n); };
            case SIGMOID -> (p, xs, xo, os, oo, n) -> {
                for (int i = 0; i < n; i += L) VecMath.sigmoid(load(xs, xo, i, n)).intoMemorySegment(os, oo + 4L * i, LE, S.indexInRange(i, n));
            };
            case SILU -> (p, xs, xo, os, oo, n) -> {
                for (int i = 0; i < n; i += L) {
                    FloatVector x = load(xs, xo, i, n);
                    x.mul(VecMath.sigmoid(x)).intoMemorySegment(os, oo + 4L * i, LE, S.indexInRange(i, n));
                }
            };
            case RELU -> (p, xs, xo, os, oo, n) -> { for (int i = 0; i < n; i += L) store(load(xs, xo, i, n).max(0f), os, oo, i, n); };
            case NEG -> (p, xs, xo, os, oo, n) -> { for (int i = 0; i < n; i += L) store(load(xs, xo, i, n).neg(), os, oo, i, n); };
            case ABS -> (p, xs, xo, os, oo, n) -> { for (int i = 0; i < n; i += L) store(load(xs, xo, i, n).abs(), os, oo, i, n); };
            case SQUARE -> (p, xs, xo, os, oo, n) -> {
                for (int i = 0; i < n; i += L) {
                    FloatVector x = load(xs, xo, i, n);
                    store(x.mul(x), os, oo, i, n);
                }
            };
            case GELU -> (p, xs, xo, os, oo, n) -> { for (int i = 0; i < n; i += L) store(VecMath.gelu(load(xs, xo, i, n)), os, oo, i, n); };
            // 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))  (Hendrycks & Gimpel, tanh form)
            case GELU_TANH -> (p, xs, xo, os, oo, n) -> {
                for (int i = 0; i < n; i += L) {
                    FloatVector x = load(xs, xo, i, n);
                    store(x.mul(x).fma(0.044715f, 1f).mul(x).mul(SQRT_2_OVER_PI).lanewise(VectorOperators.TANH).add(1f).mul(x).mul(0.5f), os, oo, i, n);
                }
            };
            case QUICK_GELU -> (p, xs, xo, os, oo, n) -> {
                for (int i = 0; i < n; i += L) {
                    FloatVector x = load(xs, xo, i, n);
                    x.mul(VecMath.sigmoid(x.mul(1.702f))).intoMemorySegment(os, oo + 4L * i, LE, S.indexInRange(i, n));
                }
            };
            case ERF -> (p, xs, xo, os, oo, n) -> { for (int i = 0; i < n; i += L) store(VecMath.erf(load(xs, xo, i, n)), os, oo, i, n); };
            case ADD_SCALAR -> (p, xs, xo, os, oo, n) -> { for (int i = 0; i < n; i += L) store(load(xs, xo, i, n).add(p), os, oo, i, n); };
            case MUL_SCALAR -> (p, xs, xo, os, oo, n) -> { for (int i = 0; i < n; i += L) store(load(xs, xo, i, n).mul(p), os, oo, i, n); };
            case POW_SCALAR -> (p, xs, xo, os, oo, n) -> { for (int i = 0; i < n; i += L) store(load(xs, xo, i, n).lanewise(VectorOperators.POW, p), os, oo, i, n); };
        };
    }

    static ZipRow zipRow(Zip op) {
        return switch (op) {
            case ADD -> (as, ao, bs, bo, os, oo, n) -> { for (int i = 0; i < n; i += L) store(load(as, ao, i, n).add(load(bs, bo, i, n)), os, oo, i, n); };
            case SUB -> (as, ao, bs, bo, os, oo, n) -> { for (int i = 0; i < n; i += L) store(load(as, ao, i, n).sub(load(bs, bo, i, n)), os, oo, i, n); };
            case MUL -> (as, ao, bs, bo, os, oo, n) -> { for (int i = 0; i < n; i += L) store(load(as, ao, i, n).mul(load(bs, bo, i, n)), os, oo, i, n); };
            case DIV -> (as, ao, bs, bo, os, oo, n) -> { for (int i = 0; i < n; i += L) store(load(as, ao, i, n).div(load(bs, bo, i, n)), os, oo, i, n); };
            case MAXIMUM -> (as, ao, bs, bo, os, oo, n) -> { for (int i = 0; i < n; i += L) store(load(as, ao, i, n).max(load(bs, bo, i, n)), os, oo, i, n); };
            case MINIMUM -> (as, ao, bs, bo, os, oo, n) -> { for (int i = 0; i < n; i += L) store(load(as, ao, i, n).min(load(bs, bo, i, n)), os, oo, i, n); };
            case SILU_MUL -> (as, ao, bs, bo, os, oo, n) -> {
                for (int i = 0; i < n; i += L) {
                    FloatVector x = load(as, ao, i, n), up = load(bs, bo, i, n);
                    x.mul(VecMath.sigmoid(x)).mul(up).intoMemorySegment(os, oo + 4L * i, LE, S.indexInRange(i, n));
                }
            };
            case SILU_BACKWARD -> (as, ao, bs, bo, os, oo, n) -> {       // silu'(x) = σ(x)·(1 + x·(1 − σ(x)))
                for (int i = 0; i < n; i += L) {
                    FloatVector x = load(as, ao, i, n), dy = load(bs, bo, i, n), sig = VecMath.sigmoid(x);
                    dy.mul(sig).mul(x.mul(sig.neg().add(1f)).add(1f)).intoMemorySegment(os, oo + 4L * i, LE, S.indexInRange(i, n));
                }
            };
        };
    }


    /** op applied to every element of {@code x} → new contiguous F32 tensor. */
    static Tensor map(Map op, Tensor x, float p) {
        int[] shape = x.shape();
        Tensor out = Tensor.empty(shape);
        MemorySegment os = out.storage().segment();
        int n = x.rank() == 0 ? 1 : shape[shape.length - 1];
        MapRow f = mapRow(op);
        RowLoop.run(shape, new Tensor[] {x}, (r, c) -> f.run(p, c.segment(0), c.offset(0), os, 4L * r * n, n));
        return out;
    }

    /** op applied to {@code a} and {@code b} broadcast together → new contiguous F32 tensor. */
    static Tensor zip(Zip op, Tensor a, Tensor b) {
        int[] shape = Shapes.broadcast(a.shape(), b.shape());
        Tensor out = Tensor.empty(shape);
        MemorySegment os = out.storage().segment();
        int n = shape.length == 0 ? 1 : shape[shape.length - 1];
        ZipRow f = zipRow(op);
        RowLoop.run(shape, new Tensor[] {a, b}, (r, c) -> f.run(c.segment(0), c.offset(0), c.segment(1), c.offset(1), os, 4L * r * n, n));
        return out;
    }
}
