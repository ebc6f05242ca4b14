package org.visualchat.tensor.ops;

import org.visualchat.tensor.DType;
import org.visualchat.tensor.HalfFloats;
import org.visualchat.tensor.Storage;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Reads elements of any dtype as F32: single elements for strided gathers, and whole contiguous rows
 * (with the block dequantization of Q8_0/Q4_0, layouts in {@link DType}) for gathers and embeddings.
 */
final class Convert {
    private Convert() {}

    /** The element at {@code index} (elements from the segment start) of a non-quantized dtype, as float. */
    static float read(DType type, MemorySegment s, long index) {
        return switch (type) {
            case F32 -> s.get(Storage.F32, index * 4);
            case BF16 -> HalfFloats.bf16ToFloat(s.get(Storage.I16, index * 2));
            case F16 -> HalfFloats.f16ToFloat(s.get(Storage.I16, index * 2));
            case I32 -> s.get(Storage.I32, index * 4);
            case I64 -> s.get(Storage.I64, index * 8);
            case Q8_0, Q4_0 -> throw new IllegalArgumentException(type + " tensors are read by whole rows only");
        };
    }

    /**
     * Converts the {@code n} contiguous elements starting at element {@code index} of {@code src} into
     * F32 at byte offset {@code dstOff} of {@code dst}. For Q8_0/Q4_0, {@code index} and {@code n} must
     * be multiples of 32 (rows of a quantized tensor always are).
     */
    static void row(DType type, MemorySegment src, long index, int n, MemorySegment dst, long dstOff) {
        switch (type) {
            case F32 -> MemorySegment.copy(src, index * 4, dst, dstOff, n * 4L);
            case Q8_0 -> { for (int b = 0; b < n / 32; b++) q8Block(src, (index / 32 + b) * 34, dst, dstOff + b * 128L); }
            case Q4_0 -> { for (int b = 0; b < n / 32; b++) q4Block(src, (index / 32 + b) * 18, dst, dstOff + b * 128L); }
            default -> { for (int i = 0; i < n; i++) dst.set(Storage.F32, dstOff + 4L * i, read(type, src, index + i)); }
        }
    }

    /** Q8_0 block: f16 scale d, 32 × int8 q; x = d·q. */
    private static void q8Block(MemorySegment src, long at, MemorySegment dst, long dstOff) {
        float d = HalfFloats.f16ToFloat(src.get(Storage.I16, at));
        for (int j = 0; j < 32; j++) dst.set(Storage.F32, dstOff + 4L * j, d * src.get(ValueLayout.JAVA_BYTE, at + 2 + j));
    }

    /** Q4_0 block: f16 scale d, 16 bytes; low nibble of byte j is element j, high nibble element j+16; x = d·(q − 8). */
    private static void q4Block(MemorySegment src, long at, MemorySegment dst, long dstOff) {
        float d = HalfFloats.f16ToFloat(src.get(Storage.I16, at));
        for (int j = 0; j < 16; j++) {
            int packed = src.get(ValueLayout.JAVA_BYTE, at + 2 + j) & 0xFF;
            dst.set(Storage.F32, dstOff + 4L * j, d * ((packed & 0x0F) - 8));
            dst.set(Storage.F32, dstOff + 4L * (j + 16), d * ((packed >>> 4) - 8));
        }
    }
}
