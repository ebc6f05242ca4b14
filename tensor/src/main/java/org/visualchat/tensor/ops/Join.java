package org.visualchat.tensor.ops;

import org.visualchat.tensor.DType;
import org.visualchat.tensor.Shapes;
import org.visualchat.tensor.Tensor;

/**
 * Joining and splitting along a dimension. concat/stack copy into a new contiguous tensor (F32 for
 * float inputs; integer inputs of one dtype keep it); split returns views that share storage.
 */
public final class Join {
    private Join() {}

    /** Tensors equal in every dimension but {@code dim}, joined along it. */
    public static Tensor concat(int dim, Tensor... xs) {
        if (xs.length == 0) throw new IllegalArgumentException("concat needs at least one tensor");
        int rank = xs[0].rank();
        int d = Shapes.dim(dim, rank);
        int[] shape = xs[0].shape();
        int total = 0;
        for (int k = 0; k < xs.length; k++) {
            int[] s = xs[k].shape();
            s[d] = shape[d];
            if (xs[k].rank() != rank || !java.util.Arrays.equals(s, shape)) {
                throw new IllegalArgumentException("concat along dim " + dim + ": tensor " + k + " has shape " + Shapes.toString(xs[k].shape()) + ", incompatible with " + Shapes.toString(xs[0].shape()));
            }
            total += xs[k].dim(d);
        }
        shape[d] = total;
        Tensor out = Tensor.empty(resultType(xs), shape);
        int at = 0;
        for (Tensor x : xs) {
            x.copyTo(out.narrow(d, at, x.dim(d)));
            at += x.dim(d);
        }
        return out;
    }

    /** Tensors of one shape, joined along a new dimension {@code dim} (negative counts from rank + 1). */
    public static Tensor stack(int dim, Tensor... xs) {
        if (xs.length == 0) throw new IllegalArgumentException("stack needs at least one tensor");
        int d = dim < 0 ? dim + xs[0].rank() + 1 : dim;
        Tensor[] lifted = new Tensor[xs.length];
        for (int k = 0; k < xs.length; k++) {
            if (!java.util.Arrays.equals(xs[k].shape(), xs[0].shape())) {
                throw new IllegalArgumentException("stack: tensor " + k + " has shape " + Shapes.toString(xs[k].shape()) + ", tensor 0 has " + Shapes.toString(xs[0].shape()));
            }
            lifted[k] = xs[k].unsqueeze(d);
        }
        return concat(d, lifted);
    }

    /** Views of consecutive pieces of {@code sizes} along {@code dim}; the sizes must add up to that dimension. */
    public static Tensor[] split(Tensor x, int dim, int... sizes) {
        int d = Shapes.dim(dim, x.rank());
        long sum = 0;
        for (int s : sizes) {
            if (s < 0) throw new IllegalArgumentException("split size " + s + " is negative");
            sum += s;
        }
        if (sum != x.dim(d)) throw new IllegalArgumentException("split sizes " + java.util.Arrays.toString(sizes) + " add up to " + sum + ", not dimension " + dim + " of size " + x.dim(d));
        Tensor[] parts = new Tensor[sizes.length];
        int at = 0;
        for (int k = 0; k < sizes.length; k++) {
            parts[k] = x.narrow(d, at, sizes[k]);
            at += sizes[k];
        }
        return parts;
    }

    private static DType resultType(Tensor[] xs) {
        DType first = xs[0].dtype();
        for (Tensor x : xs) if (x.dtype() != first || x.dtype().isFloating()) return DType.F32;
        return first;
    }
}
