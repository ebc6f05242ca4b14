package org.visualchat.tensor.kernels;

import jdk.incubator.vector.IntVector;
import org.junit.jupiter.api.Test;
import org.visualchat.tensor.DType;
import org.visualchat.tensor.Storage;
import org.visualchat.tensor.Tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The vector conversions agree bit for bit with the scalar definitions on every 16-bit pattern. */
class DequantizeTest {
    @Test
    void everyHalfPrecisionBitPatternConverts() {
        int count = 1 << 16;
        MemorySegment bits = Storage.heap(2L * count + 6).segment();
        for (int i = 0; i < count; i++) bits.set(Storage.I16, 2L * i + 6, (short) i);
        float[] f16 = new float[count], bf16 = new float[count];
        // Start at element 3: unaligned loads, and a row length that is not a multiple of the lanes.
        Dequantize.row(DType.F16, bits, 3, count, f16, 0);
        Dequantize.row(DType.BF16, bits, 3, count, bf16, 0);
        for (int i = 0; i < count; i++) {
            assertEquals(Float.floatToIntBits(Float.float16ToFloat((short) i)), Float.floatToIntBits(f16[i]), "F16 bits " + Integer.toHexString(i));
            assertEquals(Float.intBitsToFloat(i << 16), bf16[i], 0f, "BF16 bits " + Integer.toHexString(i));
        }
    }

    /** BF16 read two to a lane as matvec does ({@link Dequantize#pairs}): lane j is element 2j (even) or 2j + 1 (odd). */
    @Test
    void everyBf16BitPatternConvertsTwoPerLane() {
        int count = 1 << 16, lanes = Dequantize.LANES;
        MemorySegment bits = Arena.ofAuto().allocate(2L * count + 2, 64);
        for (int i = 0; i < count; i++) bits.set(Storage.I16, 2L * i + 2, (short) i); // +2: loads not aligned to their size
        float[] even = new float[lanes], odd = new float[lanes];
        for (int i = 0; i < count; i += 2 * lanes) {
            IntVector pairs = Dequantize.pairs(bits, 2L * i + 2);
            Dequantize.bf16Even(pairs).intoArray(even, 0);
            Dequantize.bf16Odd(pairs).intoArray(odd, 0);
            for (int j = 0; j < lanes; j++) {
                int e = i + 2 * j;
                assertEquals(e << 16, Float.floatToRawIntBits(even[j]), "BF16 bits " + Integer.toHexString(e));
                assertEquals((e + 1) << 16, Float.floatToRawIntBits(odd[j]), "BF16 bits " + Integer.toHexString(e + 1));
            }
        }
    }

    @Test
    void quantizedRowsMatchTheScalarReference() {
        for (DType type : new DType[] {DType.Q8_0, DType.Q4_0}) {
            Tensor q = Tensor.uniform(9, -3, 3, 3, 96).to(type);
            float[] expected = q.toFloatArray(), got = new float[64];
            Dequantize.row(type, q.storage().segment(), 96 + 32, 64, got, 0);   // row 1, blocks 1–2
            for (int i = 0; i < 64; i++) assertEquals(expected[96 + 32 + i], got[i], 0f, type + " element " + i);
        }
    }
}
