package org.visualchat.tensor;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class TensorViewTest {
    private static Tensor iota(int... shape) {
        float[] d = new float[(int) Shapes.numel(shape)];
        for (int i = 0; i < d.length; i++) d[i] = i;
        return Tensor.of(d, shape);
    }

    @Test
    void transposeIsAViewThatReadsTheSameStorage() {
        Tensor x = iota(2, 3);
        Tensor t = x.transpose(0, 1);
        assertArrayEquals(new int[] {3, 2}, t.shape());
        assertSame(x.storage(), t.storage());
        assertFalse(t.isContiguous());
        assertArrayEquals(new float[] {0, 3, 1, 4, 2, 5}, t.toFloatArray());
        assertEquals(5f, t.get(2, 1));
    }

    @Test
    void narrowSelectAndReshapeCompose() {
        Tensor x = iota(3, 4, 5);
        Tensor n = x.narrow(1, 1, 2).select(2, 3); // [3, 2]: x[i, 1+j, 3]
        float[] expect = new float[6];
        for (int i = 0; i < 3; i++) for (int j = 0; j < 2; j++) expect[i * 2 + j] = i * 20 + (1 + j) * 5 + 3;
        assertArrayEquals(expect, n.toFloatArray());
        assertArrayEquals(expect, n.reshape(6).toFloatArray());
        assertArrayEquals(new int[] {2, 3}, n.reshape(-1, 3).shape());
    }

    @Test
    void expandBroadcastsWithZeroStrides() {
        Tensor row = iota(1, 3);
        Tensor e = row.expand(2, 4, 3);
        assertEquals(0, e.stride(0));
        assertEquals(0, e.stride(1));
        assertArrayEquals(new float[] {0, 1, 2, 0, 1, 2}, e.narrow(1, 0, 2).select(0, 1).toFloatArray());
        assertThrows(IllegalArgumentException.class, () -> iota(2, 3).expand(4, 3));
    }

    @Test
    void permuteAndContiguousCopy() {
        Tensor x = iota(2, 3, 4);
        Tensor p = x.permute(2, 0, 1).contiguous();
        assertTrue(p.isContiguous());
        for (int i = 0; i < 4; i++) for (int j = 0; j < 2; j++) for (int k = 0; k < 3; k++)
            assertEquals(x.get(j, k, i), p.get(i, j, k));
    }

    @Test
    void unsqueezeSqueezeRoundTrip() {
        Tensor x = iota(3, 5).narrow(1, 1, 3);
        Tensor u = x.unsqueeze(1).unsqueeze(-1);
        assertArrayEquals(new int[] {3, 1, 3, 1}, u.shape());
        assertArrayEquals(x.toFloatArray(), u.squeeze(3).squeeze(1).toFloatArray());
    }

    @Test
    void badArgumentsNameTheProblem() {
        Tensor x = iota(2, 3);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> x.reshape(4, 2));
        assertTrue(e.getMessage().contains("[2, 3]"), e.getMessage());
        assertThrows(IndexOutOfBoundsException.class, () -> x.narrow(1, 2, 2));
        assertThrows(IllegalArgumentException.class, () -> x.permute(0, 0));
    }

    @Test
    void halfFloatConversionsRoundToNearestEven() {
        // 1 + 2^-8 is exactly halfway between two BF16 values: ties go to the even mantissa (1.0).
        assertEquals(1.0f, HalfFloats.bf16ToFloat(HalfFloats.floatToBf16(1f + 0x1p-8f)));
        // 1 + 3·2^-8 is halfway too; the even neighbour is 1 + 2^-6.
        assertEquals(1f + 0x1p-6f, HalfFloats.bf16ToFloat(HalfFloats.floatToBf16(1f + 3 * 0x1p-8f)));
        assertTrue(Float.isNaN(HalfFloats.bf16ToFloat(HalfFloats.floatToBf16(Float.NaN))));
        Tensor x = Tensor.of(new float[] {1.5f, -2.25f, 65504f, 1e-8f}, 4);
        assertArrayEquals(new float[] {1.5f, -2.25f, 65504f, 0f}, x.to(DType.F16).toFloatArray());
    }
}
