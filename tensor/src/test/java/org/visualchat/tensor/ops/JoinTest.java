package org.visualchat.tensor.ops;

import org.junit.jupiter.api.Test;
import org.visualchat.tensor.DType;
import org.visualchat.tensor.Tensor;

import static org.junit.jupiter.api.Assertions.*;
import static org.visualchat.tensor.ops.OpsTesting.*;

class JoinTest {
    @Test
    void splitThenConcatRoundTripsAlongEveryDim() {
        Tensor x = randn(1, 7, 17, 33);
        for (int dim = -3; dim < 3; dim++) {
            int n = x.dim(dim);
            Tensor[] parts = Join.split(x, dim, 1, n - 3, 2);
            assertSame(x.storage(), parts[1].storage(), "split returns views");
            assertEquals(n - 3, parts[1].dim(dim));
            Tensor back = Join.concat(dim, parts[0].to(DType.BF16).to(DType.F32), parts[1], parts[2]);
            assertClose(values(x.to(DType.BF16).to(DType.F32)), x.shape(), Join.concat(dim, Join.split(x.to(DType.BF16), dim, 1, n - 3, 2)), 0, 0, "bf16 round trip dim " + dim);
            assertArrayEquals(x.shape(), back.shape());
            assertClose(values(x.narrow(dim, 1, n - 1)), x.narrow(dim, 1, n - 1).shape(), Join.concat(dim, parts[1], parts[2]), 0, 0, "dim " + dim);
        }
    }

    @Test
    void stackAddsADimension() {
        Tensor a = randn(2, 3, 5), b = randn(3, 3, 5).transpose(0, 1).contiguous().transpose(0, 1);
        Tensor s = Join.stack(1, a, b);
        assertArrayEquals(new int[] {3, 2, 5}, s.shape());
        assertClose(values(b), b.shape(), s.select(1, 1).contiguous(), 0, 0, "stack slice");
        assertArrayEquals(new int[] {3, 5, 2}, Join.stack(-1, a, b).shape());
        assertEquals(DType.I64, Join.stack(0, Tensor.ofLongs(new long[] {1}, 1), Tensor.ofLongs(new long[] {2}, 1)).dtype());
    }

    @Test
    void mismatchesAreNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Join.concat(0, Tensor.zeros(2, 3), Tensor.zeros(2, 4)));
        assertTrue(e.getMessage().contains("[2, 4]"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Join.split(Tensor.zeros(5), 0, 2, 2));
        assertThrows(IllegalArgumentException.class, () -> Join.stack(0, Tensor.zeros(2), Tensor.zeros(3)));
    }
}
