package org.visualchat.tensor;

import java.lang.foreign.MemorySegment;

/**
 * Scalar reference code for the GGUF block formats Q8_0 and Q4_0 (layouts in {@link DType}).
 * Quantization follows ggml's reference rounding ({@code quantize_row_q8_0_ref},
 * {@code quantize_row_q4_0_ref}) so our files and llama.cpp's agree byte for byte. The fast fused
 * dequantize-dot kernels live with the matrix-vector code; this class is the definition they are
 * tested against.
 */
public final class QuantBlocks {
    private QuantBlocks() {}

    /** The element at {@code index} (elements from the storage start) of a Q8_0/Q4_0 storage. */
    static float dequantizeOne(DType type, MemorySegment s, long index) {
        long block = index / 32;
        int j = (int) (index % 32);
        long base = block * type.blockBytes();
        float d = HalfFloats.f16ToFloat(s.get(Storage.I16, base));
        if (type == DType.Q8_0) return d * s.get(java.lang.foreign.ValueLayout.JAVA_BYTE, base + 2 + j);
        int packed = s.get(java.lang.foreign.ValueLayout.JAVA_BYTE, base + 2 + (j & 15)) & 0xFF;
        int nibble = j < 16 ? packed & 0x0F : packed >>> 4;
        return d * (nibble - 8);
    }

    /** Quantizes a contiguous F32 tensor whose last dimension is a multiple of 32. */
    static Tensor quantize(Tensor f32, DType type) {
        int[] shape = f32.shape();
        if (shape.length == 0 || shape[shape.length - 1] % 32 != 0) {
            throw new IllegalArgumentException(type + " needs a last dimension that is a multiple of 32, got shape " + Shapes.toString(shape));
        }
        float[] x = f32.toFloatArray();
        Tensor out = Tensor.zeros(type, shape);
        MemorySegment dst = out.storage().segment();
        for (int b = 0; b < x.length / 32; b++) {
            if (type == DType.Q8_0) quantizeBlockQ8_0(x, b * 32, dst, (long) b * 34);
            else quantizeBlockQ4_0(x, b * 32, dst, (long) b * 18);
        }
        return out;
    }

    /** d = max|x| / 127, q = round-half-away(x / d). */
    static void quantizeBlockQ8_0(float[] x, int from, MemorySegment dst, long at) {
        float amax = 0;
        for (int j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(x[from + j]));
        float d = amax / 127f;
        float id = d != 0 ? 1f / d : 0f;
        dst.set(Storage.I16, at, HalfFloats.floatToF16(d));
        for (int j = 0; j < 32; j++) {
            dst.set(java.lang.foreign.ValueLayout.JAVA_BYTE, at + 2 + j, (byte) roundHalfAway(x[from + j] * id));
        }
    }

    /** d = (value of largest magnitude, with its sign) / −8, q = min(15, trunc(x / d + 8.5)). */
    static void quantizeBlockQ4_0(float[] x, int from, MemorySegment dst, long at) {
        float amax = 0, max = 0;
        for (int j = 0; j < 32; j++) {
            float v = x[from + j];
            if (amax < Math.abs(v)) {
                amax = Math.abs(v);
                max = v;
            }
        }
        float d = max / -8f;
        float id = d != 0 ? 1f / d : 0f;
        dst.set(Storage.I16, at, HalfFloats.floatToF16(d));
        for (int j = 0; j < 16; j++) {
            int lo = Math.min(15, (byte) (int) (x[from + j] * id + 8.5f));
            int hi = Math.min(15, (byte) (int) (x[from + 16 + j] * id + 8.5f));
            dst.set(java.lang.foreign.ValueLayout.JAVA_BYTE, at + 2 + j, (byte) (lo | (hi << 4)));
        }
    }

    /** C's {@code roundf}: halves round away from zero. */
    private static int roundHalfAway(float v) {
        return (int) (v < 0 ? -Math.floor(-v + 0.5f) : Math.floor(v + 0.5f));
    }
}
