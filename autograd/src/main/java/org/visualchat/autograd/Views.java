package org.visualchat.autograd;

import org.visualchat.tensor.Shapes;
import org.visualchat.tensor.Tensor;
import org.visualchat.tensor.ops.Reduce;

/**
 * Differentiable views. The forward shares storage (except reshape of a non-contiguous tensor, which
 * copies); the backward applies the inverse view to the gradient, or for slices scatters the gradient
 * into zeros of the input's shape.
 */
public final class Views {
    private Views() {}

    public static Variable reshape(Variable x, int... shape) {
        int[] in = x.shape();
        return Variable.fromOp(x.value().reshape(shape), g -> new Tensor[] {g.reshape(in)}, x);
    }

    public static Variable transpose(Variable x, int d0, int d1) {
        return Variable.fromOp(x.value().transpose(d0, d1), g -> new Tensor[] {g.transpose(d0, d1)}, x);
    }

    public static Variable permute(Variable x, int... perm) {
        int rank = x.rank();
        int[] inverse = new int[rank];
        for (int i = 0; i < rank; i++) inverse[Shapes.dim(perm[i], rank)] = i;
        return Variable.fromOp(x.value().permute(perm), g -> new Tensor[] {g.permute(inverse)}, x);
    }

    public static Variable narrow(Variable x, int dim, int start, int length) {
        int[] in = x.shape();
        return Variable.fromOp(x.value().narrow(dim, start, length), g -> {
            Tensor full = Tensor.zeros(in);
            g.copyTo(full.narrow(dim, start, length));
            return new Tensor[] {full};
        }, x);
    }

    public static Variable select(Variable x, int dim, int index) {
        int[] in = x.shape();
        return Variable.fromOp(x.value().select(dim, index), g -> {
            Tensor full = Tensor.zeros(in);
            g.copyTo(full.select(dim, index));
            return new Tensor[] {full};
        }, x);
    }

    /** Broadcast view; every stretched element's gradient is the sum over the positions it fills. */
    public static Variable expand(Variable x, int... shape) {
        int[] in = x.shape();
        return Variable.fromOp(x.value().expand(shape), g -> new Tensor[] {Reduce.sumTo(g, in)}, x);
    }

    public static Variable unsqueeze(Variable x, int dim) {
        int[] in = x.shape();
        return Variable.fromOp(x.value().unsqueeze(dim), g -> new Tensor[] {g.reshape(in)}, x);
    }

    public static Variable squeeze(Variable x, int dim) {
        int[] in = x.shape();
        return Variable.fromOp(x.value().squeeze(dim), g -> new Tensor[] {g.reshape(in)}, x);
    }

    /** A row-major copy when needed; the gradient passes through unchanged. */
    public static Variable contiguous(Variable x) {
        return Variable.fromOp(x.value().contiguous(), g -> new Tensor[] {g}, x);
    }
}
