package org.visualchat.tensor.kernels;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;
import org.visualchat.tensor.DType;
import org.visualchat.tensor.Storage;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

/**
 * Storage formats turned into F32 lanes in registers: one vector of {@link #LANES} floats from F32,
 * BF16 or F16 memory, and the GGUF blocks Q8_0 (x = d·q) and Q4_0 (x = d·(nibble − 8)) whose layout
 * {@link DType} documents. {@link MatVec} fuses these loads into its dot products; {@link Gemm} uses
 * {@link #row} to unpack weight panels, so both read every format through the same code.
 */
public final class Dequantize {
    private Dequantize() {}

    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    static final int LANES = F.length();
    static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;
    /** Shorts and bytes with as many lanes as {@link #F}, so a widening conversion fills one float vector. */
    static final VectorSpecies<Short> S = VectorSpecies.of(short.class, VectorShape.forBitSize(LANES * 16));
    static final VectorSpecies<Byte> B = VectorSpecies.of(byte.class, VectorShape.forBitSize(LANES * 8));
    static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    static final int BLOCK = 32;
    /** 2^112 rescales an F16 exponent (bias 15) placed in an F32 exponent field (bias 127). */
    private static final float F16_EXPONENT_SCALE = 0x1p112f;

    static FloatVector f32(MemorySegment s, long byteOffset) {
        return FloatVector.fromMemorySegment(F, s, byteOffset, LE);
    }

    /** BF16 is the top half of an F32: widen and shift left by 16. */
    static FloatVector bf16(MemorySegment s, long byteOffset) {
        IntVector wide = (IntVector) ShortVector.fromMemorySegment(S, s, byteOffset, LE).convertShape(VectorOperators.S2I, I, 0);
        return wide.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
    }

    /**
     * F16 → F32 exactly: exponent and mantissa shifted into F32 position and multiplied by 2^112 (which
     * also turns F16 subnormals into the right F32 values), then Inf/NaN patched and the sign OR-ed in.
     */
    static FloatVector f16(MemorySegment s, long byteOffset) {
        IntVector h = (IntVector) ShortVector.fromMemorySegment(S, s, byteOffset, LE).convertShape(VectorOperators.S2I, I, 0);
        IntVector magnitude = h.and(0x7FFF);
        IntVector shifted = magnitude.lanewise(VectorOperators.LSHL, 13);
        IntVector finite = shifted.reinterpretAsFloats().mul(F16_EXPONENT_SCALE).reinterpretAsInts();
        VectorMask<Integer> infOrNan = magnitude.compare(VectorOperators.GE, 0x7C00);
        IntVector bits = finite.blend(shifted.or(0x7F800000), infOrNan);
        return bits.or(h.and(0x8000).lanewise(VectorOperators.LSHL, 16)).reinterpretAsFloats();
    }

    /** The block scale d (F16) of the Q8_0/Q4_0 block starting at {@code blockByte}. */
    static float scale(MemorySegment s, long blockByte) {
        return Float.float16ToFloat(s.get(Storage.I16, blockByte));
    }

    /** Q8_0 quants {@code part·LANES ..} of the block at {@code blockByte}, as floats (not yet scaled). */
    static FloatVector q8(MemorySegment s, long blockByte, int part) {
        return (FloatVector) ByteVector.fromMemorySegment(B, s, blockByte + 2 + (long) part * LANES, LE).convertShape(VectorOperators.B2F, F, 0);
    }

    /**
     * Q4_0 values (nibble − 8, not yet scaled) for elements {@code part·LANES ..} of the block at
     * {@code blockByte}: parts below 16/LANES come from low nibbles, the rest from high nibbles.
     */
    static FloatVector q4(MemorySegment s, long blockByte, int part) {
        int half = 16 / LANES;
        boolean high = part >= half;
        ByteVector packed = ByteVector.fromMemorySegment(B, s, blockByte + 2 + (long) (part % half) * LANES, LE);
        ByteVector nibble = high ? packed.lanewise(VectorOperators.LSHR, 4).and((byte) 0x0F) : packed.and((byte) 0x0F);
        return (FloatVector) nibble.sub((byte) 8).convertShape(VectorOperators.B2F, F, 0);
    }

    /** Byte offset of element {@code element} (a block boundary for quantized types). */
    static long byteOffset(DType type, long element) {
        return type.isQuantized() ? element / BLOCK * type.blockBytes() : element * type.elementBytes();
    }

    /**
     * Converts {@code count} consecutive elements starting at element index {@code element} into
     * {@code dst[dstOffset ..]}. Quantized types need {@code element} and {@code count} to be whole blocks.
     */
    public static void row(DType type, MemorySegment s, long element, int count, float[] dst, int dstOffset) {
        long at = byteOffset(type, element);
        switch (type) {
            case F32, BF16, F16 -> {
                int bytes = type.elementBytes(), i = 0;
                for (; i <= count - LANES; i += LANES) lanes(type, s, at + (long) i * bytes).intoArray(dst, dstOffset + i);
                for (; i < count; i++) dst[dstOffset + i] = scalar(type, s, at + (long) i * bytes);
            }
            case Q8_0, Q4_0 -> {
                if (element % BLOCK != 0 || count % BLOCK != 0) {
                    throw new IllegalArgumentException(type + " rows are read in whole blocks of 32, asked elements [" + element + ", +" + count + ")");
                }
                for (int blk = 0; blk < count / BLOCK; blk++, at += type.blockBytes()) {
                    FloatVector d = FloatVector.broadcast(F, scale(s, at));
                    for (int part = 0; part < BLOCK / LANES; part++) {
                        FloatVector q = type == DType.Q8_0 ? q8(s, at, part) : q4(s, at, part);
                        q.mul(d).intoArray(dst, dstOffset + blk * BLOCK + part * LANES);
                    }
                }
            }
            default -> throw new IllegalArgumentException("cannot read " + type + " as floating-point values");
        }
    }

    /** One vector of a plain float format. */
    static FloatVector lanes(DType type, MemorySegment s, long byteOffset) {
        return switch (type) {
            case F32 -> f32(s, byteOffset);
            case BF16 -> bf16(s, byteOffset);
            default -> f16(s, byteOffset);
        };
    }

    private static float scalar(DType type, MemorySegment s, long byteOffset) {
        return switch (type) {
            case F32 -> s.get(Storage.F32, byteOffset);
            case BF16 -> Float.intBitsToFloat(s.get(Storage.I16, byteOffset) << 16);
            default -> Float.float16ToFloat(s.get(Storage.I16, byteOffset));
        };
    }
}
