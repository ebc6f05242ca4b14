package org.visualchat.tensor.kernels;

import org.visualchat.tensor.DType;
import org.visualchat.tensor.Storage;
import org.visualchat.tensor.Tensor;

import java.lang.foreign.MemorySegment;

/**
 * A matrix as the kernels see it: element (r, c) lives at element index {@code r·rowStride + c·colStride}
 * past a per-call offset in {@code segment}. Strides are free, so a transpose is a swap of the two
 * strides and a broadcast dimension is a zero stride; nothing is copied to describe a view.
 * Block-quantized matrices (Q8_0/Q4_0) must be contiguous along one dimension, the one their blocks
 * run along, and are only ever read in whole blocks along it.
 */
public record Operand(MemorySegment segment, DType dtype, long rowStride, long colStride) {

    /** The last two dimensions of {@code t} as a matrix (leading dimensions are addressed by offsets). */
    public static Operand of(Tensor t) {
        return new Operand(t.storage().segment(), t.dtype(), t.stride(-2), t.stride(-1));
    }

    /** Transpose: rows become columns. */
    public Operand transposed() {
        return new Operand(segment, dtype, colStride, rowStride);
    }

    /** Slow element read with conversion to float, for odd layouts; element index {@code at}. */
    public float read(long at) {
        return switch (dtype) {
            case F32 -> segment.getAtIndex(Storage.F32, at);
            case BF16 -> Float.intBitsToFloat(segment.getAtIndex(Storage.I16, at) << 16);
            case F16 -> Float.float16ToFloat(segment.getAtIndex(Storage.I16, at));
            default -> throw new IllegalArgumentException(dtype + " matrices can only be read along their contiguous dimension");
        };
    }
}
