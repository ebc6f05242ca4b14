package org.visualchat.opencl;

import org.junit.jupiter.api.Test;
import org.visualchat.tensor.Tensor;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.visualchat.opencl.OpenClTesting.assertClose;

/**
 * Device attention (scores and P·V by the tiled matmul reading K/V heads in place for GQA, masked or
 * MMCA two-branch softmax) against the same composed from CPU ops; 1e-5 absolute + 1e-5 relative.
 */
class AttentionParityTest extends DeviceTestBase {
    @Test
    void groupedQueryCausalAttention() {
        Tensor q = Tensor.uniform(1, -1, 1, 2, 4, 7, 16), k = Tensor.uniform(2, -1, 1, 2, 2, 7, 16), v = Tensor.uniform(3, -1, 1, 2, 2, 7, 16);
        Tensor mask = OpenClTesting.causal(7);
        assertClose(CpuReference.attention(q, k, v, mask, null),
                gpu.download(gpu.attention(gpu.upload(q), gpu.upload(k), gpu.upload(v), gpu.upload(mask))), 1e-5, 1e-5, "GQA causal attention");
        assertClose(CpuReference.attention(q, k, v, null, null),
                gpu.download(gpu.attention(gpu.upload(q), gpu.upload(k), gpu.upload(v), null)), 1e-5, 1e-5, "unmasked attention");
    }

    @Test
    void decodeStepAgainstALongerCache() {
        Tensor q = Tensor.uniform(4, -1, 1, 1, 6, 1, 33 - 1), k = Tensor.uniform(5, -1, 1, 1, 3, 41, 32), v = Tensor.uniform(6, -1, 1, 1, 3, 41, 32);
        assertClose(CpuReference.attention(q, k, v, null, null),
                gpu.download(gpu.attention(gpu.upload(q), gpu.upload(k), gpu.upload(v), null)), 1e-5, 1e-5, "decode attention");
    }

    /**
     * Attention over the first T positions of a longer cache [B, Hkv, capacity, D], read in place: the
     * same as over the cache narrowed to T (a chunk of 3 queries at positions 9..11 with its causal mask).
     */
    @Test
    void cachedAttentionReadsOnlyTheFirstPositionsInPlace() {
        int t = 12, capacity = 20, s = 3;
        Tensor q = Tensor.uniform(10, -1, 1, 2, 4, s, 16);
        Tensor k = Tensor.uniform(11, -1, 1, 2, 2, capacity, 16), v = Tensor.uniform(12, -1, 1, 2, 2, capacity, 16);
        Tensor mask = Tensor.zeros(s, t);
        for (int i = 0; i < s; i++) for (int j = t - s + i + 1; j < t; j++) mask.set(Float.NEGATIVE_INFINITY, i, j);
        Tensor expected = CpuReference.attention(q, k.narrow(2, 0, t).contiguous(), v.narrow(2, 0, t).contiguous(), mask, null);
        DeviceTensor dk = gpu.upload(k), dv = gpu.upload(v);
        assertClose(expected, gpu.download(gpu.attention(gpu.upload(q), dk, dv, t, gpu.upload(mask))), 1e-5, 1e-5, "cached attention");
        assertThrows(IllegalArgumentException.class, () -> gpu.attention(gpu.upload(q), dk, dv, capacity + 1, null));
    }

    @Test
    void mmcaTwoBranchAttention() {
        int[] codes = {1, 1, 2, 2, 2, 1, 1, 2, 2, 1, 1};
        int l = codes.length;
        Tensor[] masks = OpenClTesting.mmcaMasks(codes);
        Tensor image = masks[0].reshape(1, 1, l, l), text = masks[1].reshape(1, 1, l, l);
        Tensor q = Tensor.uniform(7, -1, 1, 1, 4, l, 16), k = Tensor.uniform(8, -1, 1, 1, 4, l, 16), v = Tensor.uniform(9, -1, 1, 1, 4, l, 16);
        assertClose(CpuReference.attention(q, k, v, image, text),
                gpu.download(gpu.mmcaAttention(gpu.upload(q), gpu.upload(k), gpu.upload(v), gpu.upload(image), gpu.upload(text))),
                1e-5, 1e-5, "MMCA attention");
    }
}
