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

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.util.Objects;

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
     * BF16 elements two to an int lane: {@code 2·LANES} of them from 4·LANES bytes at {@code byteOffset},
     * lane j holding element 2j in its low half and element 2j + 1 in its high half (little-endian).
     * Then {@link #bf16Even} and {@link #bf16Odd} are one in-lane operation each, where {@link #bf16}
     * widens half a vector with a lane-crossing conversion before its shift: matvec issues one 64-byte
     * load and two in-lane operations per two FMAs instead of two 32-byte loads, two widenings and two
     * shifts. (F16 read this way, its conversion per half, measured slower: with two rows per pass the
     * kernel outgrows C2's inlining node budget and boxes, with one row it streams 0.8× the two-row
     * {@link #f16} kernel.)
     */
    static IntVector pairs(MemorySegment s, long byteOffset) {
        return IntVector.fromMemorySegment(I, s, byteOffset, LE);
    }

    /** Elements 0, 2, 4, … of {@link #pairs}: the low halves moved up into F32 position. */
    static FloatVector bf16Even(IntVector pairs) {
        return pairs.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
    }

    /** Elements 1, 3, 5, … of {@link #pairs}: the high halves, already in F32 position, the low ones cleared. */
    static FloatVector bf16Odd(IntVector pairs) {
        return pairs.and(0xFFFF0000).reinterpretAsFloats();
    }

    /** Lane j = 2j (EVEN_INDEX) or 2j + 1 (ODD_INDEX): {@code selectFrom} picks from the concatenation of two vectors. */
    private static final FloatVector EVEN_INDEX = FloatVector.fromArray(F, pairIndex(0), 0), ODD_INDEX = FloatVector.fromArray(F, pairIndex(1), 0);

    private static float[] pairIndex(int parity) {
        float[] index = new float[LANES];
        for (int j = 0; j < LANES; j++) index[j] = 2 * j + parity;
        return index;
    }

    /** x[i], x[i + 2], … x[i + 2·LANES − 2]: the activations that meet the even elements of {@link #pairs}. */
    static FloatVector evenOf(float[] x, int i) {
        return EVEN_INDEX.selectFrom(FloatVector.fromArray(F, x, i), FloatVector.fromArray(F, x, i + LANES));
    }

    /** x[i + 1], x[i + 3], … : the activations that meet the odd elements of {@link #pairs}. */
    static FloatVector oddOf(float[] x, int i) {
        return ODD_INDEX.selectFrom(FloatVector.fromArray(F, x, i), FloatVector.fromArray(F, x, i + LANES));
    }

    /**
     * F16 → F32 exactly: exponent and mantissa shifted into F32 position and multiplied by 2^112 (which
     * also turns F16 subnormals into the right F32 values), then Inf/NaN patched and the sign OR-ed in.
     * The halves are sign-extended, so bit 31 already holds the sign and bits 13–27 of h·2¹³ the
     * magnitude: two operations fewer than masking and shifting each (F16 matvec, 26 → 30 GB/s in L2).
     */
    static FloatVector f16(MemorySegment s, long byteOffset) {
        IntVector h = (IntVector) ShortVector.fromMemorySegment(S, s, byteOffset, LE).convertShape(VectorOperators.S2I, I, 0);
        IntVector shifted = h.lanewise(VectorOperators.LSHL, 13).and(0x0FFFE000);
        IntVector finite = shifted.reinterpretAsFloats().mul(F16_EXPONENT_SCALE).reinterpretAsInts();
        VectorMask<Integer> infOrNan = shifted.compare(VectorOperators.GE, 0x7C00 << 13);
        IntVector bits = finite.blend(shifted.or(0x7F800000), infOrNan);
        return bits.or(h.and(0x80000000)).reinterpretAsFloats();
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
     * Q4_0 bytes {@code part·LANES ..} of the block at {@code blockByte}, widened to ints: their low
     * nibbles are elements {@code part·LANES ..}, their high nibbles elements {@code 16 + part·LANES ..}.
     * Widening first keeps the nibble arithmetic on 32-bit lanes (x86 has no byte shifts).
     */
    static IntVector q4Packed(MemorySegment s, long blockByte, int part) {
        return (IntVector) ByteVector.fromMemorySegment(B, s, blockByte + 2 + (long) part * LANES, LE).convertShape(VectorOperators.B2I, I, 0);
    }

    /**
     * Q4_0 values −8 … 7 as F32 bit patterns, indexed by nibble: with 16 int lanes a nibble → float
     * conversion is one lane permutation ({@code selectFrom} wraps indices to their low 4 bits, which
     * are the nibble), instead of mask, int → float conversion and subtraction.
     */
    private static final IntVector Q4_VALUES = I.length() == 16 ? IntVector.fromArray(I, q4Values(), 0) : null;

    private static int[] q4Values() {
        int[] bits = new int[16];
        for (int q = 0; q < 16; q++) bits[q] = Float.floatToRawIntBits(q - 8);
        return bits;
    }

    /** Low nibbles − 8 (not yet scaled by d). */
    static FloatVector q4Low(IntVector packed) {
        if (Q4_VALUES != null) return packed.selectFrom(Q4_VALUES).reinterpretAsFloats();
        return packed.and(0x0F).convert(VectorOperators.I2F, 0).reinterpretAsFloats().sub(8f);
    }

    /** High nibbles − 8 (the bytes were sign-extended; the mask, or the permutation's wrap, drops the sign bits). */
    static FloatVector q4High(IntVector packed) {
        IntVector high = packed.lanewise(VectorOperators.ASHR, 4);
        if (Q4_VALUES != null) return high.selectFrom(Q4_VALUES).reinterpretAsFloats();
        return high.and(0x0F).convert(VectorOperators.I2F, 0).reinterpretAsFloats().sub(8f);
    }

    /** Byte offset of element {@code element} (a block boundary for quantized types). */
    static long byteOffset(DType type, long element) {
        return type.isQuantized() ? element / BLOCK * type.blockBytes() : element * type.elementBytes();
    }

    /**
     * Converts {@code count} consecutive elements starting at element index {@code element} into
     * {@code dst[dstOffset ..]}. Quantized types need {@code element} and {@code count} to be whole blocks.
     *
     * <p>One loop per format, on purpose: a shared loop that picks the conversion per vector stops being
     * inlined once several formats have run through it, and the Vector API then boxes every vector (it
     * measured 15–50× slower). {@link MatVec} is written the same way for the same reason.
     */
    public static void row(DType type, MemorySegment s, long element, int count, float[] dst, int dstOffset) {
        long at = byteOffset(type, element);
        if (!s.isNative()) { // a heap row: staged in native memory, so that the loads below see one segment class
            long bytes = byteOffset(type, element + count) - at;
            s = STAGING.get().hold(s, at, bytes);
            at = 0;
        }
        s = exact(s);
        int i = 0;
        switch (type) {
            case F32 -> { for (; i <= count - LANES; i += LANES) f32(s, at + 4L * i).intoArray(dst, dstOffset + i); }
            case BF16 -> { for (; i <= count - LANES; i += LANES) bf16(s, at + 2L * i).intoArray(dst, dstOffset + i); }
            case F16 -> { for (; i <= count - LANES; i += LANES) f16(s, at + 2L * i).intoArray(dst, dstOffset + i); }
            case Q8_0, Q4_0 -> {
                if (element % BLOCK != 0 || count % BLOCK != 0) {
                    throw new IllegalArgumentException(type + " rows are read in whole blocks of 32, asked elements [" + element + ", +" + count + ")");
                }
                if (type == DType.Q8_0) rowQ8(s, at, count / BLOCK, dst, dstOffset);
                else rowQ4(s, at, count / BLOCK, dst, dstOffset);
                return;
            }
            default -> throw new IllegalArgumentException("cannot read " + type + " as floating-point values");
        }
        for (; i < count; i++) dst[dstOffset + i] = scalar(type, s, at + (long) i * type.elementBytes());
    }

    /**
     * The native segment {@code s} as a new segment object of the one class C2 then knows exactly.
     * The JDK's vector load from a segment calls methods of the segment's class; once a process has
     * loaded vectors from heap, off-heap and mapped segments (always, in a real run) that call site is
     * megamorphic, and C2 compiles each load with memory barriers or boxes the vector (Q8_0 matvec
     * measured 6× slower, BF16 3×). Built from the address inside the method that loads, the class is a
     * compile-time fact and the allocation is scalar-replaced. Global scope, so the liveness check the
     * original segment would make on every load is made here, once.
     */
    static MemorySegment exact(MemorySegment s) {
        return exact(s, 0, s.byteSize());
    }

    /**
     * Bytes [from, from + bytes) of the native segment {@code s} as an {@link #exact(MemorySegment)}
     * segment of their own, addressed from 0 (bounds checked once, here).
     */
    static MemorySegment exact(MemorySegment s, long from, long bytes) {
        return MemorySegment.ofAddress(checkedAddress(s, from, bytes)).reinterpret(bytes);
    }

    /**
     * The address of byte {@code from} of the native segment {@code s}, once checked that the memory is
     * alive and [from, from + bytes) lies inside it.
     */
    private static long checkedAddress(MemorySegment s, long from, long bytes) {
        if (!s.scope().isAlive()) throw new IllegalStateException("reading a tensor whose memory was already released (closed arena or unmapped file)");
        Objects.checkFromIndexSize(from, bytes, s.byteSize());
        return s.address() + from;
    }

    /**
     * Bytes [from, from + bytes) of the native segment {@code s}, checked here once, as an
     * {@link #exact(MemorySegment)} segment addressed from 0 but with no limit of its own: for loops
     * whose offsets provably stay below {@code bytes} (the Q4_0 row loops of {@link MatVec} and
     * {@link BatchMatVec}, which read whole blocks up to the row's block count). Against a row-sized
     * limit C2 kept an unsigned compare and branch before every weight load, two per Q4_0 block (it
     * does not eliminate long range checks whose limit is a per-row length); against Long.MAX_VALUE it
     * drops them and unrolls the block loop four times. Q4_0 matvec 5632×2048, one thread, thread CPU
     * time in one JVM (scripts/MatVecAbCpuTime.java): 1.20–1.22× from DRAM, 1.25× from L2. Q8_0's loop
     * read this way measured 0.99× from L2 and 0.55× from DRAM (C2 compiled it with clamped
     * pre-loop bounds instead), so Q8_0 keeps {@link #exact(MemorySegment, long, long)}.
     */
    static MemorySegment unbounded(MemorySegment s, long from, long bytes) {
        return MemorySegment.ofAddress(checkedAddress(s, from, bytes)).reinterpret(Long.MAX_VALUE);
    }

    /** Per-thread native staging for heap rows read by {@link #row}. */
    private static final ThreadLocal<Staging> STAGING = ThreadLocal.withInitial(Staging::new);

    private static final class Staging {
        private MemorySegment buffer = MemorySegment.NULL;

        /** The {@code bytes} at {@code from} of {@code s}, copied to the start of this thread's native buffer. */
        MemorySegment hold(MemorySegment s, long from, long bytes) {
            if (buffer.byteSize() < bytes) buffer = Arena.ofAuto().allocate(Math.max(bytes, 2 * buffer.byteSize()), 64);
            MemorySegment.copy(s, from, buffer, 0, bytes);
            return buffer;
        }
    }

    private static void rowQ8(MemorySegment s, long at, int blocks, float[] dst, int dstOffset) {
        for (int blk = 0; blk < blocks; blk++, at += 34) {
            FloatVector d = FloatVector.broadcast(F, scale(s, at));
            for (int part = 0; part < BLOCK / LANES; part++) q8(s, at, part).mul(d).intoArray(dst, dstOffset + blk * BLOCK + part * LANES);
        }
    }

    private static void rowQ4(MemorySegment s, long at, int blocks, float[] dst, int dstOffset) {
        for (int blk = 0; blk < blocks; blk++, at += 18) {
            FloatVector d = FloatVector.broadcast(F, scale(s, at));
            for (int part = 0; part < 16 / LANES; part++) {
                IntVector packed = q4Packed(s, at, part);
                int to = dstOffset + blk * BLOCK + part * LANES;
                q4Low(packed).mul(d).intoArray(dst, to);
                q4High(packed).mul(d).intoArray(dst, to + 16);
            }
        }
    }

    /** One element of a plain float format (row tails). */
    static float scalar(DType type, MemorySegment s, long byteOffset) {
        return switch (type) {
            case F32 -> s.get(Storage.F32, byteOffset);
            case BF16 -> Float.intBitsToFloat(s.get(Storage.I16, byteOffset) << 16);
            default -> Float.float16ToFloat(s.get(Storage.I16, byteOffset));
        };
    }
}
