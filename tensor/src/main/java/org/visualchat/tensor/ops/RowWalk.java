package org.visualchat.tensor.ops;

import org.visualchat.tensor.Tensor;

/**
 * The one strided iterator behind every row-wise op: walks the rows (last dimension) of {@code shape}
 * and tracks, for each operand broadcast to that shape (NumPy rules, stride 0 in stretched dims), the
 * element offset where the current row starts. Kernels then handle one row at a time with the
 * operand's {@link #innerStride} (1 = contiguous, 0 = broadcast along the row).
 *
 * <p>A rank-0 shape is one row of length 1. {@link #seek} lets each parallel chunk start anywhere.
 */
final class RowWalk {
    private final int[] outer;       // shape without the last dimension
    private final int[][] strides;   // [operand][dim] broadcast strides, all dims
    private final long[] base;       // [operand] storage offset of element 0
    private final long[] current;    // [operand] offset of the current row
    private final int[] index;       // current outer index
    private final int rowLength;
    private final int rows;

    RowWalk(int[] shape, Tensor... operands) {
        int rank = shape.length;
        this.outer = java.util.Arrays.copyOf(shape, Math.max(rank - 1, 0));
        this.rowLength = rank == 0 ? 1 : shape[rank - 1];
        this.rows = Math.toIntExact(org.visualchat.tensor.Shapes.numel(outer));
        this.strides = new int[operands.length][];
        this.base = new long[operands.length];
        this.current = new long[operands.length];
        this.index = new int[outer.length];
        for (int k = 0; k < operands.length; k++) {
            strides[k] = rank == 0 ? new int[0] : operands[k].expand(shape).strides();
            base[k] = operands[k].offset();
        }
        seek(0);
    }

    int rows() { return rows; }

    int rowLength() { return rowLength; }

    /** Element offset (from its storage start) of the current row of operand {@code k}. */
    long offset(int k) { return current[k]; }

    /** Distance in elements between neighbours within a row of operand {@code k}. */
    int innerStride(int k) { return strides[k].length == 0 ? 1 : strides[k][strides[k].length - 1]; }

    /** Positions the walk at row {@code row} (row-major over the outer dimensions). */
    void seek(int row) {
        long rest = row;
        for (int d = outer.length - 1; d >= 0; d--) {
            index[d] = outer[d] == 0 ? 0 : (int) (rest % outer[d]);
            rest = outer[d] == 0 ? 0 : rest / outer[d];
        }
        for (int k = 0; k < base.length; k++) {
            long off = base[k];
            for (int d = 0; d < outer.length; d++) off += (long) index[d] * strides[k][d];
            current[k] = off;
        }
    }

    /** Advances to the next row. */
    void next() {
        for (int d = outer.length - 1; d >= 0; d--) {
            if (++index[d] < outer[d]) {
                for (int k = 0; k < base.length; k++) current[k] += strides[k][d];
                return;
            }
            index[d] = 0;
            for (int k = 0; k < base.length; k++) current[k] -= (long) strides[k][d] * (outer[d] - 1);
        }
    }
}
