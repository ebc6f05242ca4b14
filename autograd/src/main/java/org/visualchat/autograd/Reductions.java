package org.visualchat.autograd;

import org.visualchat.tensor.Shapes;
import org.visualchat.tensor.Storage;
import org.visualchat.tensor.Tensor;
import org.visualchat.tensor.ops.Elementwise;
import org.visualchat.tensor.ops.Reduce;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/** Differentiable reductions: sum and mean spread the gradient evenly, max routes it to the arg-max element. */
public final class Reductions {
    private Reductions() {}

    /** Sum of every element → rank-0. */
    public static Variable sum(Variable x) {
        int[] in = x.shape();
        return Variable.fromOp(Reduce.sum(x.value()), g -> new Tensor[] {g.reshape(ones(in.length)).expand(in)}, x);
    }

    /** Mean of every element → rank-0. */
    public static Variable mean(Variable x) {
        return Arith.mul(sum(x), 1f / x.value().numel());
    }

    public static Variable sum(Variable x, int dim, boolean keepDim) {
        int d = Shapes.dim(dim, x.rank());
        int[] in = x.shape();
        return Variable.fromOp(Reduce.sum(x.value(), d, keepDim), g -> new Tensor[] {spread(g, d, keepDim, in)}, x);
    }

    public static Variable mean(Variable x, int dim, boolean keepDim) {
        int d = Shapes.dim(dim, x.rank());
        int[] in = x.shape();
        float inv = 1f / in[d];
        return Variable.fromOp(Reduce.mean(x.value(), d, keepDim),
                g -> new Tensor[] {spread(Elementwise.mul(g, inv), d, keepDim, in)}, x);
    }

    /** Maximum along {@code dim}; the gradient goes to the first maximal element (as argmax picks it). */
    public static Variable max(Variable x, int dim, boolean keepDim) {
        int d = Shapes.dim(dim, x.rank());
        int[] in = x.shape();
        return Variable.fromOp(Reduce.max(x.value(), d, keepDim), g -> {
            long[] at = Reduce.argmax(x.value(), d, true).toLongArray();
            float[] gv = g.toFloatArray();
            Tensor full = Tensor.zeros(in);
            MemorySegment out = full.segment();
            long inner = 1;
            for (int i = d + 1; i < in.length; i++) inner *= in[i];
            for (int o = 0; o < gv.length; o++) {
                long outer = o / inner, within = o % inner;
                out.setAtIndex(Storage.F32, (outer * in[d] + at[o]) * inner + within, gv[o]);
            }
            return new Tensor[] {full};
        }, x);
    }

    /** The gradient of a reduction over {@code d}, broadcast back over the reduced dimension (a view). */
    private static Tensor spread(Tensor g, int d, boolean keepDim, int[] in) {
        return (keepDim ? g : g.unsqueeze(d)).expand(in);
    }

    private static int[] ones(int n) {
        int[] s = new int[n];
        Arrays.fill(s, 1);
        return s;
    }
}
