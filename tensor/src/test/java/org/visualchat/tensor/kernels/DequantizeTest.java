package org.visualchat.tensor.kernels;

import org.junit.jupiter.api.Test;
import org.visualchat.tensor.DType;
import org.visualchat.tensor.Storage;
import org.visualchat.tensor.Tensor;

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
