package org.visualchat.autograd;

import org.visualchat.tensor.Tensor;
import org.visualchat.tensor.ops.Indexing;

/** Differentiable gathers; their backward is the matching scatter-add (repeated ids add up). */
public final class Lookups {
    private Lookups() {}

    /** Rows of {@code table} [V, D] at {@code ids} (I32/I64, any shape) → [...ids, D]. */
    public static Variable embedding(Variable table, Tensor ids) {
        return Variable.fromOp(Indexing.embedding(table.value(), ids), g -> {
            Tensor grad = Tensor.zeros(table.shape());
            int d = table.dim(1);
            Indexing.indexAddInto(grad, 0, ids.reshape(-1), g.reshape(-1, d));
            return new Tensor[] {grad};
        }, table);
    }

    /** Entries of x at {@code index} (rank 1) along {@code dim}. */
    public static Variable indexSelect(Variable x, int dim, Tensor index) {
        return Variable.fromOp(Indexing.indexSelect(x.value(), dim, index), g -> {
            Tensor grad = Tensor.zeros(x.shape());
            Indexing.indexAddInto(grad, dim, index, g);
            return new Tensor[] {grad};
        }, x);
    }
}
