package org.visualchat.tensor.ops;

import org.visualchat.tensor.Tensor;

import java.lang.foreign.MemorySegment;

/**
 * The driver of every row-wise op: walks the rows of {@code shape} (in parallel when large, each chunk
 * with its own {@link RowWalk} and {@link RowReader}s) and hands the body each operand's current row
 * as contiguous F32 — the operand's own memory when possible, converted or gathered scratch otherwise.
 */
final class RowLoop {
    private RowLoop() {}

    /** Work for one row {@code r} (row-major index over all but the last dimension). */
    @FunctionalInterface
    interface Body {
        void row(int r, Cursor rows);
    }

    /** The current row of each operand. */
    static final class Cursor {
        private final RowReader[] readers;
        private final long[] at;

        private Cursor(RowReader[] readers) {
            this.readers = readers;
            this.at = new long[readers.length];
        }

        MemorySegment segment(int k) { return readers[k].segment(); }

        /** Byte offset of operand {@code k}'s current row in {@link #segment}. */
        long offset(int k) { return at[k]; }
    }

    /** Runs {@code body} for every row of {@code shape}, operands broadcast to it. */
    static void run(int[] shape, Tensor[] operands, Body body) {
        RowWalk plan = new RowWalk(shape, operands);
        int n = plan.rowLength();
        Parallel.rows(plan.rows(), n, (start, end) -> {
            RowWalk w = new RowWalk(shape, operands);
            w.seek(start);
            RowReader[] readers = new RowReader[operands.length];
            for (int k = 0; k < operands.length; k++) readers[k] = new RowReader(operands[k], n, w.innerStride(k));
            Cursor c = new Cursor(readers);
            for (int r = start; r < end; r++, w.next()) {
                for (int k = 0; k < operands.length; k++) c.at[k] = readers[k].load(w.offset(k));
                body.row(r, c);
            }
        });
    }

    /** A rank-1 tensor's values as one contiguous F32 row, for parameters shared by every row (norm weights). */
    static Cursor whole(Tensor vector) {
        RowReader reader = new RowReader(vector, vector.dim(0), vector.stride(0));
        Cursor c = new Cursor(new RowReader[] {reader});
        c.at[0] = reader.load(vector.offset());
        return c;
    }
}
