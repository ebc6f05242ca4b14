package org.visualchat.opencl;

import org.junit.jupiter.api.Test;
import org.visualchat.tensor.DType;
import org.visualchat.tensor.Tensor;
import org.visualchat.tensor.ops.Indexing;
import org.visualchat.tensor.ops.MatMul;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.visualchat.opencl.OpenClTesting.assertClose;

/**
 * Quantized weights beyond one Java array: with 8 KiB byte arenas, weights fill arena 0, then 1, 2 and
 * 3 (a tensor never straddles two), and the matvec and the embedding gather read each from its own
 * arena, bit-identical to the same weight in arena 0 of a one-arena backend.
 */
class ByteArenasTest {
    @Test
    void weightsInEveryArenaGiveTheSameProducts() {
        try (OpenClBackend small = OpenClBackend.open("opencl", new OpenClBackend.Capacity(1 << 20, 4 * 8192, 1 << 10), 8192);
             OpenClBackend one = OpenClTesting.open()) {
            Tensor x = Tensor.uniform(1, -1, 1, 3, 96);
            Tensor ids = Tensor.ofInts(new int[] {0, 5, 9}, 3);
            DeviceTensor dx = small.upload(x), dxOne = one.upload(x);
            boolean[] seen = new boolean[4];
            for (int i = 0; i < 8; i++) {
                DType dtype = i % 2 == 0 ? DType.Q8_0 : DType.Q4_0;
                Tensor w = Tensor.uniform(10 + i, -1, 1, 40, 96).to(dtype);        // 4080 (Q8_0) or 2160 (Q4_0) bytes: two per arena
                DeviceTensor dw = small.upload(w);
                seen[dw.arena()] = true;
                assertClose(one.download(one.linear(dxOne, one.upload(w))), small.download(small.linear(dx, dw)), 0, 0, "linear, weight " + i + " in arena " + dw.arena());
                assertClose(Indexing.embedding(w, ids), small.download(small.embedding(dw, ids)), 0, 0, "embedding, table " + i + " in arena " + dw.arena());
                assertClose(MatMul.linear(x, w), small.download(small.linear(dx, dw)), 2e-6 * 96, 0, "linear vs CPU, arena " + dw.arena());
            }
            for (int a = 0; a < 4; a++) assertTrue(seen[a], "a weight landed in arena " + a);
            IllegalStateException full = assertThrows(IllegalStateException.class, () -> small.upload(Tensor.zeros(40, 96).to(DType.Q8_0)));
            assertTrue(full.getMessage().contains("byte arena is full"), full.getMessage());
            assertEquals(true, small.ranOnOpenCl());
        }
    }
}
