package org.visualchat.autograd;

import org.visualchat.tensor.Shapes;
import org.visualchat.tensor.Tensor;
import org.visualchat.tensor.ops.Join;

/** Differentiable concatenation, stacking and splitting; each piece's gradient is its slice of the whole. */
public final class Joins {
    private Joins() {}

    public static Variable concat(int dim, Variable... xs) {
        int d = Shapes.dim(dim, xs[0].rank());
        int[] sizes = new int[xs.length];
        for (int i = 0; i < xs.length; i++) sizes[i] = xs[i].dim(d);
        return Variable.fromOp(Join.concat(d, values(xs)), g -> {
            Tensor[] out = new Tensor[xs.length];
            int start = 0;
            for (int i = 0; i < xs.length; i++) {
                if (xs[i].requiresGrad()) out[i] = g.narrow(d, start, sizes[i]);
                start += sizes[i];
            }
            return out;
        }, xs);
    }

    public static Variable stack(int dim, Variable... xs) {
        int d = dim < 0 ? dim + xs[0].rank() + 1 : dim;
        return Variable.fromOp(Join.stack(d, values(xs)), g -> {
            Tensor[] out = new Tensor[xs.length];
            for (int i = 0; i < xs.length; i++) if (xs[i].requiresGrad()) out[i] = g.select(d, i);
            return out;
        }, xs);
    }

    /** Consecutive pieces of the given sizes along {@code dim}; each is a differentiable narrow view. */
    public static Variable[] split(Variable x, int dim, int... sizes) {
        int d = Shapes.dim(dim, x.rank());
        int total = 0;
        for (int s : sizes) total += s;
        if (total != x.dim(d)) {
            throw new IllegalArgumentException("split sizes sum to " + total + " but dimension " + dim + " has " + x.dim(d));
        }
        Variable[] out = new Variable[sizes.length];
        int start = 0;
        for (int i = 0; i < sizes.length; i++) {
            out[i] = Views.narrow(x, d, start, sizes[i]);
            start += sizes[i];
        }
        return out;
    }

    private static Tensor[] values(Variable[] xs) {
        Tensor[] t = new Tensor[xs.length];
        for (int i = 0; i < xs.length; i++) t[i] = xs[i].value();
        return t;
    }
}
