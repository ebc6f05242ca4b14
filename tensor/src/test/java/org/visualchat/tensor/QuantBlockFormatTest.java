package org.visualchat.tensor;

import static org.junit.jupiter.api.Assertions.*;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Q8_0 / Q4_0 against the GGUF block layout (formats.md §1.5): hand-computed blocks byte for byte,
 * an independent decoder of the raw bytes, and the quantization error bounds that follow from ggml's
 * reference rounding.
 */
class QuantBlockFormatTest {
    private static byte[] quantizeBlock(DType type, float[] x) {
        Tensor q = Tensor.of(x, 1, 32).to(type);
        return q.segment().toArray(ValueLayout.JAVA_BYTE);
    }

    private static byte[] bytes(int... b) {
        byte[] out = new byte[b.length];
        for (int i = 0; i < b.length; i++) out[i] = (byte) b[i];
        return out;
    }

    /** Decodes one block straight from the spec, independently of QuantBlocks. */
    private static float[] decode(DType type, byte[] block) {
        float d = Float.float16ToFloat((short) ((block[0] & 0xFF) | (block[1] & 0xFF) << 8));
        float[] x = new float[32];
        for (int j = 0; j < 32; j++) {
            if (type == DType.Q8_0) x[j] = d * block[2 + j];
            else x[j] = d * ((j < 16 ? block[2 + j] & 0x0F : (block[2 + j - 16] & 0xFF) >>> 4) - 8);
        }
        return x;
    }

    @Test
    void allZeroBlocks() {
        assertArrayEquals(new byte[34], quantizeBlock(DType.Q8_0, new float[32]));
        // ggml: d = max / -8 = -0.0 (f16 0x8000), id = 0, every q = (int)(0 + 8.5) = 8.
        byte[] q4 = new byte[18];
        q4[1] = (byte) 0x80;
        for (int j = 2; j < 18; j++) q4[j] = (byte) 0x88;
        assertArrayEquals(q4, quantizeBlock(DType.Q4_0, new float[32]));
        for (float v : Tensor.of(new float[32], 1, 32).to(DType.Q4_0).toFloatArray()) assertEquals(0f, v, 0f);
    }

    @Test
    void q8_0KnownBlockWithHalfAwayRounding() {
        float[] x = new float[32];
        for (int j = 0; j < 32; j++) x[j] = j;
        x[0] = 127; // max → d = 1.0 exactly (f16 0x3C00), q = round(x)
        x[1] = 2.5f; // C roundf: halves go away from zero
        x[2] = -2.5f;
        x[3] = 0.49f;
        x[4] = -0.5f;
        byte[] expected = new byte[34];
        expected[0] = 0x00;
        expected[1] = 0x3C;
        for (int j = 0; j < 32; j++) expected[2 + j] = (byte) j;
        expected[2] = 127;
        expected[3] = 3;
        expected[4] = -3;
        expected[5] = 0;
        expected[6] = -1;
        assertArrayEquals(expected, quantizeBlock(DType.Q8_0, x));

        x[0] = -127; // the sign of the max does not matter for Q8_0
        expected[2] = (byte) 0x81;
        assertArrayEquals(expected, quantizeBlock(DType.Q8_0, x));
        assertArrayEquals(decode(DType.Q8_0, expected), Tensor.of(x, 1, 32).to(DType.Q8_0).toFloatArray());
    }

    @Test
    void q4_0KnownBlocksIncludingTheClampedEnd() {
        // Max magnitude is negative (-8): d = -8 / -8 = 1, q = x + 8, byte j = q_j | q_{j+16} << 4.
        float[] x = new float[32];
        for (int j = 0; j < 32; j++) x[j] = (j % 16) - 8;
        int[] expected = new int[18];
        expected[1] = 0x3C;
        for (int j = 0; j < 16; j++) expected[2 + j] = j | j << 4;
        assertArrayEquals(bytes(expected), quantizeBlock(DType.Q4_0, x));

        // Max magnitude is positive (+8, first of the two ±8): d = -1, q = trunc(8.5 - x); x = -8
        // gives 16, clamped to 15, so it decodes to -7 (the one value Q4_0 cannot reach).
        x[0] = 8;
        expected[1] = 0xBC;
        expected[2] = 0 | 15 << 4;
        for (int j = 1; j < 16; j++) expected[2 + j] = (16 - j) | (16 - j) << 4;
        byte[] actual = quantizeBlock(DType.Q4_0, x);
        assertArrayEquals(bytes(expected), actual);
        float[] back = decode(DType.Q4_0, actual);
        assertEquals(8f, back[0]);
        assertEquals(-7f, back[16]);
        assertArrayEquals(back, Tensor.of(x, 1, 32).to(DType.Q4_0).toFloatArray());
    }

    @Test
    void errorBoundsOnRandomBlocksOfEveryScale() {
        SplittableRandom rng = new SplittableRandom(7);
        int blocks = 400;
        float[] x = new float[blocks * 32];
        for (int b = 0; b < blocks; b++) {
            double scale = Math.pow(10, -3 + 6 * rng.nextDouble());
            for (int j = 0; j < 32; j++) x[b * 32 + j] = (float) (scale * (2 * rng.nextDouble() - 1));
        }
        Tensor src = Tensor.of(x, blocks, 32);
        for (DType type : new DType[] {DType.Q8_0, DType.Q4_0}) {
            Tensor q = src.to(type);
            MemorySegment seg = q.segment();
            float[] viaTensor = q.toFloatArray();
            for (int b = 0; b < blocks; b++) {
                byte[] block = seg.asSlice((long) b * type.blockBytes(), type.blockBytes()).toArray(ValueLayout.JAVA_BYTE);
                float[] xhat = decode(type, block);
                float amax = 0, max = 0;
                for (int j = 0; j < 32; j++) if (Math.abs(x[b * 32 + j]) > amax) { amax = Math.abs(x[b * 32 + j]); max = x[b * 32 + j]; }
                // d as computed in F32, and the F16 value actually stored: the bound is half a step
                // of the stored scale plus |q| times the scale's F16 rounding error.
                double d = type == DType.Q8_0 ? amax / 127f : max / -8f;
                double d16 = Float.float16ToFloat((short) ((block[0] & 0xFF) | (block[1] & 0xFF) << 8));
                int qmax = type == DType.Q8_0 ? 127 : 8;
                for (int j = 0; j < 32; j++) {
                    double xv = x[b * 32 + j];
                    double err = Math.abs(xv - xhat[j]);
                    // Q4_0's one unreachable level (+8 steps on the side opposite the max) costs a full step.
                    boolean clamped = type == DType.Q4_0 && xv / d > 7.5;
                    double bound = (clamped ? 1.0 : 0.5) * Math.abs(d16) + qmax * Math.abs(d - d16) + 1e-6 * amax;
                    assertTrue(err <= bound, type + " block " + b + " element " + j + ": |x - x̂| = " + err + " > " + bound);
                    assertEquals(xhat[j], viaTensor[b * 32 + j], "Tensor reads must decode the same bytes");
                }
            }
        }
    }

    @Test
    void quantizingNeedsWholeBlocksAndAcceptsViews() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(2, 31).to(DType.Q8_0));
        assertTrue(e.getMessage().contains("multiple of 32"), e.getMessage());
        Tensor base = Tensor.randn(3, 1f, 32, 2);
        Tensor viaView = base.transpose(0, 1).to(DType.Q4_0);
        Tensor viaCopy = base.transpose(0, 1).contiguous().to(DType.Q4_0);
        assertEquals(-1L, viaView.segment().mismatch(viaCopy.segment()));
    }
}
