package org.visualchat.tensor.ops;

import org.visualchat.tensor.DType;
import org.visualchat.tensor.Shapes;
import org.visualchat.tensor.Tensor;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/** Gathers by integer index (embedding lookup, index-select) and the scatter-add that is their backward. */
public final class Indexing {
    private Indexing() {}

    /**
     * Rows of {@code table} [V, D] (any dtype: F32/BF16/F16 converted, Q8_0/Q4_0 dequantized) picked by
     * {@code ids} (I32/I64, any shape) → F32 [...ids, D]. An id outside [0, V) is an error naming it.
     */
    public static Tensor embedding(Tensor table, Tensor ids) {
        if (table.rank() != 2) throw new IllegalArgumentException("embedding table must be [vocab, dim], got " + Shapes.toString(table.shape()));
        long[] id = indices("embedding ids", ids);
        int vocab = table.dim(0), d = table.dim(1);
        int[] idShape = ids.shape();
        int[] shape = Arrays.copyOf(idShape, idShape.length + 1);
        shape[idShape.length] = d;
        Tensor out = Tensor.empty(shape);
        MemorySegment os = out.storage().segment();
        Parallel.rows(id.length, d, (start, end) -> {
            RowReader rows = new RowReader(table, d, table.stride(1));
            for (int k = start; k < end; k++) {
                if (id[k] < 0 || id[k] >= vocab) {
                    throw new IllegalArgumentException("embedding id " + id[k] + " (element " + k + " of ids " + Shapes.toString(idShape) + ") is out of range for a vocabulary of " + vocab + " rows");
                }
                long rowStart = table.offset() + id[k] * table.stride(0);
                long at = rows.load(rowStart);
                MemorySegment.copy(rows.segment(), at, os, 4L * k * d, 4L * d);
            }
        });
        return out;
    }

    /**
     * Slices of {@code x} along {@code dim} picked by {@code index} (I32/I64, rank 1). Float inputs give
     * F32; integer inputs keep their dtype.
     */
    public static Tensor indexSelect(Tensor x, int dim, Tensor index) {
        int d = Shapes.dim(dim, x.rank());
        long[] idx = vector("indexSelect index", index);
        checkRange("indexSelect", idx, x.dim(d), d);
        int[] shape = x.shape();
        shape[d] = idx.length;
        Tensor out = Tensor.empty(x.dtype().isFloating() ? DType.F32 : x.dtype(), shape);
        for (int k = 0; k < idx.length; k++) x.select(d, (int) idx[k]).copyTo(out.select(d, k));
        return out;
    }

    /**
     * {@code dst.select(dim, index[k]) += src.select(dim, k)} for every k, in order, so repeated indices
     * accumulate. {@code dst} is a writable F32 tensor; {@code src} has dst's shape with {@code dim}
     * resized to the index length.
     */
    public static void indexAddInto(Tensor dst, int dim, Tensor index, Tensor src) {
        int d = Shapes.dim(dim, dst.rank());
        long[] idx = vector("indexAddInto index", index);
        int[] expected = dst.shape();
        expected[d] = idx.length;
        if (!Arrays.equals(expected, src.shape())) {
            throw new IllegalArgumentException("indexAddInto source must be " + Shapes.toString(expected) + " for target " + Shapes.toString(dst.shape()) + " and " + idx.length + " indices, got " + Shapes.toString(src.shape()));
        }
        checkRange("indexAddInto", idx, dst.dim(d), d);
        for (int k = 0; k < idx.length; k++) Elementwise.addInto(dst.select(d, (int) idx[k]), src.select(d, k));
    }

    private static long[] indices(String what, Tensor t) {
        if (t.dtype() != DType.I32 && t.dtype() != DType.I64) throw new IllegalArgumentException(what + " must be I32 or I64, got " + t.dtype());
        return t.toLongArray();
    }

    private static long[] vector(String what, Tensor t) {
        if (t.rank() != 1) throw new IllegalArgumentException(what + " must have rank 1, got " + Shapes.toString(t.shape()));
        return indices(what, t);
    }

    private static void checkRange(String op, long[] idx, int size, int dim) {
        for (int k = 0; k < idx.length; k++) {
            if (idx[k] < 0 || idx[k] >= size) {
                throw new IllegalArgumentException(op + ": index " + idx[k] + " (element " + k + ") is out of range for dimension " + dim + " of size " + size);
            }
        }
    }
}
