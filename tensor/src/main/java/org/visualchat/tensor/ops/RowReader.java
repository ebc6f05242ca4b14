package org.visualchat.tensor.ops;

import org.visualchat.tensor.DType;
import org.visualchat.tensor.Tensor;

import java.lang.foreign.MemorySegment;

/**
 * One operand's rows as contiguous F32 that the vector kernels can read: the tensor's own memory when
 * its rows already are contiguous F32, otherwise a per-reader scratch row filled by converting
 * (BF16/F16/ints) or gathering (strided, broadcast). A reader belongs to one thread (one parallel chunk).
 */
final class RowReader {
    private final Tensor tensor;
    private final MemorySegment source;
    private final int length;
    private final int stride;
    private final MemorySegment scratch;

    RowReader(Tensor tensor, int length, int stride) {
        this.tensor = tensor;
        this.source = tensor.storage().segment();
        this.length = length;
        this.stride = stride;
        boolean direct = tensor.dtype() == DType.F32 && (stride == 1 || length <= 1);
        this.scratch = direct ? null : VecMath.scratch(4L * length);
    }

    /** The segment that {@link #load} offsets point into. */
    MemorySegment segment() {
        return scratch == null ? source : scratch;
    }

    /** Makes the row starting at element {@code elementOffset} readable; returns its byte offset in {@link #segment()}. */
    long load(long elementOffset) {
        if (scratch == null) return elementOffset * 4;
        if (stride == 1) {
            Convert.row(tensor.dtype(), source, elementOffset, length, scratch, 0);
        } else {
            for (int i = 0; i < length; i++) {
                scratch.setAtIndex(org.visualchat.tensor.Storage.F32, i, Convert.read(tensor.dtype(), source, elementOffset + (long) i * stride));
            }
        }
        return 0;
    }
}
