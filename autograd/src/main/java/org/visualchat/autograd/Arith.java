package org.visualchat.autograd;

import org.visualchat.tensor.Tensor;
import org.visualchat.tensor.ops.Elementwise;
import org.visualchat.tensor.ops.Reduce;
import org.visualchat.tensor.ops.Unary;

import java.util.Arrays;

/**
 * Differentiable arithmetic with NumPy broadcasting. A broadcast input receives the output gradient
 * summed back to its own shape ({@link Reduce#sumTo}), since each of its elements fed every output
 * position it was stretched over.
 */
public final class Arith {
    private Arith() {}

    public static Variable add(Variable a, Variable b) {
        return Variable.fromOp(Elementwise.add(a.value(), b.value()),
                g -> new Tensor[] {reduceTo(g, a), reduceTo(g, b)}, a, b);
    }

    public static Variable sub(Variable a, Variable b) {
        return Variable.fromOp(Elementwise.sub(a.value(), b.value()),
                g -> new Tensor[] {reduceTo(g, a), b.requiresGrad() ? reduceTo(Unary.neg(g), b) : null}, a, b);
    }

    /** d(a·b) = b·da + a·db. */
    public static Variable mul(Variable a, Variable b) {
        return Variable.fromOp(Elementwise.mul(a.value(), b.value()), g -> new Tensor[] {
                a.requiresGrad() ? reduceTo(Elementwise.mul(g, b.value()), a) : null,
                b.requiresGrad() ? reduceTo(Elementwise.mul(g, a.value()), b) : null}, a, b);
    }

    /** d(a/b) = da/b − (a/b)·db/b. */
    public static Variable div(Variable a, Variable b) {
        Tensor out = Elementwise.div(a.value(), b.value());
        return Variable.fromOp(out, g -> {
            Tensor gOverB = Elementwise.div(g, b.value());
            return new Tensor[] {
                    a.requiresGrad() ? reduceTo(gOverB, a) : null,
                    b.requiresGrad() ? reduceTo(Unary.neg(Elementwise.mul(gOverB, out)), b) : null};
        }, a, b);
    }

    public static Variable add(Variable a, float s) {
        return Variable.fromOp(Elementwise.add(a.value(), s), g -> new Tensor[] {g}, a);
    }

    public static Variable mul(Variable a, float s) {
        return Variable.fromOp(Elementwise.mul(a.value(), s), g -> new Tensor[] {Elementwise.mul(g, s)}, a);
    }

    /** d(aᵖ) = p·aᵖ⁻¹·da. */
    public static Variable pow(Variable a, float p) {
        return Variable.fromOp(Elementwise.pow(a.value(), p),
                g -> new Tensor[] {Elementwise.mul(Elementwise.mul(Elementwise.pow(a.value(), p - 1), g), p)}, a);
    }

    /** The gradient {@code g} of a broadcast result, reduced to the shape of input {@code in} (null if not needed). */
    static Tensor reduceTo(Tensor g, Variable in) {
        if (!in.requiresGrad()) return null;
        int[] shape = in.shape();
        return Arrays.equals(shape, g.shape()) ? g : Reduce.sumTo(g, shape);
    }
}
