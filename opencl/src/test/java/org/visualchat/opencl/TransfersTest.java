package org.visualchat.opencl;

import org.junit.jupiter.api.Test;
import org.visualchat.tensor.DType;
import org.visualchat.tensor.Tensor;
import org.visualchat.tensor.ops.Rope;

import static org.junit.jupiter.api.Assertions.*;
import static org.visualchat.opencl.OpenClTesting.assertClose;

/** Uploads of views and dtypes, exact byte accounting, device-side transposes, and the errors around them. */
class TransfersTest extends DeviceTestBase {
    @Test
    void viewsUploadInLogicalOrderAndBytesAreCountedExactly() {
        Tensor x = Tensor.uniform(1, -1, 1, 5, 7, 3);
        Tensor view = x.transpose(0, 2).narrow(1, 2, 4);        // [3, 4, 5], non-contiguous
        TransferStats before = gpu.transfers();
        Tensor back = gpu.download(gpu.upload(view));
        assertClose(view.contiguous(), back, 0, 0, "non-contiguous upload");
        TransferStats after = gpu.transfers();
        assertEquals(1, after.uploads() - before.uploads());
        assertEquals(4L * 3 * 4 * 5, after.bytesUploaded() - before.bytesUploaded());
        assertEquals(4L * 3 * 4 * 5, after.bytesDownloaded() - before.bytesDownloaded());

        Tensor q8 = Tensor.uniform(2, -1, 1, 3, 64).to(DType.Q8_0);
        long bytes = gpu.transfers().bytesUploaded();
        gpu.upload(q8);
        assertEquals(3 * 2 * 34, gpu.transfers().bytesUploaded() - bytes, "Q8_0 goes up as its raw blocks");
    }

    @Test
    void transposeOnTheDeviceMatchesTheHostView() {
        Tensor x = Tensor.uniform(3, -1, 1, 2, 5, 3, 7);
        DeviceTensor dx = gpu.upload(x);
        assertClose(x.transpose(1, 2).contiguous(), gpu.download(gpu.transpose(dx, 1, 2)), 0, 0, "transpose(1, 2)");
        assertClose(x.transpose(0, -1).contiguous(), gpu.download(gpu.transpose(dx, 0, -1)), 0, 0, "transpose(0, -1)");
    }

    @Test
    void writeSliceAppendsToADeviceKvCache() {
        Tensor cache = Tensor.uniform(4, -1, 1, 2, 3, 10, 4), step = Tensor.uniform(5, -1, 1, 2, 3, 3, 4);
        DeviceTensor dCache = gpu.upload(cache);
        gpu.writeSlice(dCache, 2, 5, gpu.upload(step));
        Tensor expected = cache.copy();
        step.copyTo(expected.narrow(2, 5, 3));
        assertClose(expected, gpu.download(dCache), 0, 0, "cache after writeSlice");

        Tensor row = Tensor.uniform(6, -1, 1, 2, 3, 10, 1);
        gpu.writeSlice(dCache, -1, 3, gpu.upload(row));
        row.copyTo(expected.narrow(3, 3, 1));
        assertClose(expected, gpu.download(dCache), 0, 0, "writeSlice along the last dim");
        assertThrows(IllegalArgumentException.class, () -> gpu.writeSlice(dCache, 2, 8, gpu.upload(step)));
    }

    @Test
    void sliceIsAnOffsetViewForFloatAndRawTensors() {
        Tensor x = Tensor.uniform(7, -1, 1, 4, 3, 5);
        DeviceTensor dx = gpu.upload(x);
        assertClose(x.narrow(0, 1, 2).contiguous(), gpu.download(dx.slice(1, 2)), 0, 0, "F32 slice");
        assertThrows(IllegalArgumentException.class, () -> dx.slice(3, 2));

        DeviceTensor w = gpu.upload(Tensor.uniform(8, -1, 1, 4, 64).to(DType.Q8_0)), in = gpu.upload(Tensor.uniform(9, -1, 1, 2, 64));
        Tensor all = gpu.download(gpu.linear(in, w));
        assertClose(all.narrow(1, 1, 2).contiguous(), gpu.download(gpu.linear(in, w.slice(1, 2))), 0, 0, "rows 1..2 of a Q8_0 weight");
    }

    @Test
    void reservedRopeTablesAndSharedPositionsMoveOnlyThePositions() {
        gpu.reserveRope(10000f, 8, 100);
        Tensor h = Tensor.uniform(10, -1, 1, 1, 2, 3, 8);
        DeviceTensor dh = gpu.upload(h);
        Tensor pos = Tensor.ofInts(new int[] {97, 98, 99}, 3);
        for (int r = 0; r < 2; r++) {
            try (OpenClBackend.Scope ignored = gpu.scope()) {
                TransferStats before = gpu.transfers();
                OpenClBackend.Positions p = gpu.positions(pos);
                DeviceTensor half = gpu.rope(dh, p, 10000f, Rope.Layout.HALF), inter = gpu.rope(dh, p, 10000f, Rope.Layout.INTERLEAVED);
                assertEquals(12, gpu.transfers().bytesUploaded() - before.bytesUploaded(), "the three positions, once; the table is resident");
                assertClose(Rope.rope(h, pos, 10000f, Rope.Layout.HALF), gpu.download(half), 1e-6, 0, "rope HALF, shared positions");
                assertClose(Rope.rope(h, pos, 10000f, Rope.Layout.INTERLEAVED), gpu.download(inter), 1e-6, 0, "rope INTERLEAVED, shared positions");
            }
        }
        assertThrows(IllegalArgumentException.class, () -> gpu.positions(Tensor.ofInts(new int[] {-1}, 1)));
    }

    @Test
    void emptyTensorsFlowThroughEveryKindOfKernel() {
        DeviceTensor empty = gpu.upload(Tensor.zeros(0, 32));
        assertArrayEquals(new int[] {0, 7}, gpu.download(gpu.linear(empty, gpu.upload(Tensor.zeros(7, 32).to(DType.Q8_0)))).shape());
        assertArrayEquals(new int[] {0, 5}, gpu.download(gpu.matmul(empty, gpu.upload(Tensor.zeros(32, 5)))).shape());
        assertArrayEquals(new int[] {0, 32}, gpu.download(gpu.softmax(gpu.silu(empty))).shape());
        DeviceTensor noKeys = gpu.upload(Tensor.zeros(1, 2, 0, 8));
        assertClose(Tensor.zeros(1, 2, 3, 8), gpu.download(gpu.attention(gpu.upload(Tensor.full(1f, 1, 2, 3, 8)), noKeys, noKeys, null)), 0, 0, "attention over no keys");
    }

    @Test
    void unsupportedInputsAreClearErrors() {
        DeviceTensor ids = gpu.upload(Tensor.ofInts(new int[64], 2, 32));
        IllegalArgumentException notWeight = assertThrows(IllegalArgumentException.class, () -> gpu.linear(gpu.upload(Tensor.zeros(1, 32)), ids));
        assertTrue(notWeight.getMessage().contains("not a weight dtype"), notWeight.getMessage());
        DeviceTensor raw = gpu.upload(Tensor.zeros(2, 32).to(DType.BF16));
        IllegalArgumentException dl = assertThrows(IllegalArgumentException.class, () -> gpu.download(raw));
        assertTrue(dl.getMessage().contains("download needs an F32 device tensor"), dl.getMessage());
        IllegalArgumentException big = assertThrows(IllegalArgumentException.class, () -> gpu.upload(Tensor.ofLongs(new long[] {1L << 40}, 1)));
        assertTrue(big.getMessage().contains("does not fit"), big.getMessage());
        IllegalArgumentException shapes = assertThrows(IllegalArgumentException.class,
                () -> gpu.linear(gpu.upload(Tensor.zeros(2, 33)), gpu.upload(Tensor.zeros(4, 32))));
        assertTrue(shapes.getMessage().contains("linear needs x [..., K] and W [N, K]"), shapes.getMessage());
    }
}
