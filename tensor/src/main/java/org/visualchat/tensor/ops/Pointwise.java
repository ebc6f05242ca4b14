package org.visualchat.tensor.ops;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import org.visualchat.tensor.Shapes;
import org.visualchat.tensor.Tensor;

import java.lang.foreign.MemorySegment;

import static org.visualchat.tensor.ops.VecMath.L;
import static org.visualchat.tensor.ops.VecMath.load;
import static org.visualchat.tensor.ops.VecMath.store;

/**
 * The element-by-element kernels behind {@link Unary} and {@link Elementwise}: one function per
 * formula, applied a vector at a time to rows from {@link RowWalk}/{@link RowReader}. The op is
 * switched on inside the loop (a predictable branch) so that every Vector API call sees a constant
 * operator and is intrinsified.
 */
final class Pointwise {
    private Pointwise() {}

    /** One-input formulas; {@code p} is the scalar parameter of the *_SCALAR ones. */
    enum Map { EXP, LOG, SQRT, RSQRT, TANH, SIGMOID, SILU, RELU, NEG, ABS, SQUARE, GELU, GELU_TANH, QUICK_GELU, ERF, ADD_SCALAR, MUL_SCALAR, POW_SCALAR }

    /** Two-input formulas; SILU_BACKWARD takes (x, dL/dy) of y = silu(x). */
    enum Zip { ADD, SUB, MUL, DIV, MAXIMUM, MINIMUM, SILU_BACKWARD }

    private static final float SQRT_2_OVER_PI = (float) Math.sqrt(2 / Math.PI);

    static FloatVector apply(Map op, FloatVector x, float p) {
        return switch (op) {
            case EXP -> VecMath.exp(x);
            case LOG -> x.lanewise(VectorOperators.LOG);
            case SQRT -> x.sqrt();
            case RSQRT -> VecMath.reciprocal(x.sqrt());
            case TANH -> x.lanewise(VectorOperators.TANH);
            case SIGMOID -> sigmoid(x);
            case SILU -> x.mul(sigmoid(x));
            case RELU -> x.max(0f);
            case NEG -> x.neg();
            case ABS -> x.abs();
            case SQUARE -> x.mul(x);
            case GELU -> VecMath.gelu(x);
            // 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))  (Hendrycks & Gimpel, tanh form)
            case GELU_TANH -> x.mul(x).fma(0.044715f, 1f).mul(x).mul(SQRT_2_OVER_PI).lanewise(VectorOperators.TANH).add(1f).mul(x).mul(0.5f);
            case QUICK_GELU -> x.mul(sigmoid(x.mul(1.702f)));
            case ERF -> VecMath.erf(x);
            case ADD_SCALAR -> x.add(p);
            case MUL_SCALAR -> x.mul(p);
            case POW_SCALAR -> x.lanewise(VectorOperators.POW, p);
        };
    }

    static FloatVector apply(Zip op, FloatVector x, FloatVector y) {
        return switch (op) {
            case ADD -> x.add(y);
            case SUB -> x.sub(y);
            case MUL -> x.mul(y);
            case DIV -> x.div(y);
            case MAXIMUM -> x.max(y);
            case MINIMUM -> x.min(y);
            case SILU_BACKWARD -> {                       // silu'(x) = σ(x)·(1 + x·(1 − σ(x)))
                FloatVector sig = sigmoid(x);
                yield y.mul(sig).mul(x.mul(sig.neg().add(1f)).add(1f));
            }
        };
    }

    /** 1 / (1 + e^−x) */
    private static FloatVector sigmoid(FloatVector x) {
        return VecMath.reciprocal(VecMath.exp(x.neg()).add(1f));
    }

    static void mapRow(Map op, float p, MemorySegment xs, long xo, MemorySegment os, long oo, int n) {
        for (int i = 0; i < n; i += L) store(apply(op, load(xs, xo, i, n), p), os, oo, i, n);
    }

    static void zipRow(Zip op, MemorySegment as, long ao, MemorySegment bs, long bo, MemorySegment os, long oo, int n) {
        for (int i = 0; i < n; i += L) store(apply(op, load(as, ao, i, n), load(bs, bo, i, n)), os, oo, i, n);
    }

    /** op applied to every element of {@code x} → new contiguous F32 tensor. */
    static Tensor map(Map op, Tensor x, float p) {
        int[] shape = x.shape();
        Tensor out = Tensor.empty(shape);
        MemorySegment os = out.storage().segment();
        int n = x.rank() == 0 ? 1 : shape[shape.length - 1];
        RowLoop.run(shape, new Tensor[] {x}, (r, c) -> mapRow(op, p, c.segment(0), c.offset(0), os, 4L * r * n, n));
        return out;
    }

    /** op applied to {@code a} and {@code b} broadcast together → new contiguous F32 tensor. */
    static Tensor zip(Zip op, Tensor a, Tensor b) {
        int[] shape = Shapes.broadcast(a.shape(), b.shape());
        Tensor out = Tensor.empty(shape);
        MemorySegment os = out.storage().segment();
        int n = shape.length == 0 ? 1 : shape[shape.length - 1];
        RowLoop.run(shape, new Tensor[] {a, b}, (r, c) -> zipRow(op, c.segment(0), c.offset(0), c.segment(1), c.offset(1), os, 4L * r * n, n));
        return out;
    }
}
