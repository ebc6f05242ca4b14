package org.visualchat.opencl;

import org.junit.jupiter.api.Test;
import org.visualchat.tensor.DType;
import org.visualchat.tensor.Tensor;
import org.visualchat.tensor.ops.Indexing;
import org.visualchat.tensor.ops.Rope;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.visualchat.opencl.OpenClTesting.assertClose;

/**
 * Embedding gather (exact: both sides decode the same stored bits) and RoPE (both layouts, shared and
 * per-batch positions; same double-precision angle table as the CPU, so 2 ulp: 1e-6 absolute).
 */
class GatherRopeParityTest extends DeviceTestBase {
    @Test
    void embeddingOfEveryWeightDtypeIsExact() {
        Tensor table = Tensor.uniform(9, -2, 2, 50, 64);
        Tensor ids = Tensor.ofLongs(new long[] {0, 49, 7, 7, 13, 1, 48}, 7);
        for (DType dtype : new DType[] {DType.F32, DType.BF16, DType.F16, DType.Q8_0, DType.Q4_0}) {
            Tensor t = table.to(dtype);
            assertClose(Indexing.embedding(t, ids), gpu.download(gpu.embedding(gpu.upload(t), ids)), 0, 0, "embedding " + dtype);
        }
        Tensor grid = Tensor.ofInts(new int[] {3, 1, 4, 1, 5, 9}, 2, 3);
        assertClose(Indexing.embedding(table, grid), gpu.download(gpu.embedding(gpu.upload(table), grid)), 0, 0, "embedding [2, 3] ids");
    }

    @Test
    void badTokenIdIsAClearError() {
        DeviceTensor table = gpu.upload(Tensor.zeros(5, 4));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> gpu.embedding(table, Tensor.ofInts(new int[] {2, 5}, 2)));
        assertTrue(e.getMessage().contains("token id 5 at position 1"), e.getMessage());
    }

    @Test
    void ropeBothLayoutsSharedAndPerBatchPositions() {
        Tensor x = Tensor.uniform(11, -1, 1, 2, 3, 17, 64);
        long[] shared = new long[17], perBatch = new long[34];
        for (int s = 0; s < 17; s++) {
            shared[s] = 100 + s;
            perBatch[s] = s;
            perBatch[17 + s] = 4000 + 3 * s;
        }
        DeviceTensor dx = gpu.upload(x);
        for (Rope.Layout layout : Rope.Layout.values()) {
            for (Tensor pos : new Tensor[] {Tensor.ofLongs(shared, 17), Tensor.ofLongs(perBatch, 2, 17)}) {
                assertClose(Rope.rope(x, pos, 10000f, layout), gpu.download(gpu.rope(dx, pos, 10000f, layout)), 1e-6, 0,
                        "rope " + layout + " positions " + java.util.Arrays.toString(pos.shape()));
            }
        }
    }
}
