package org.visualchat.opencl;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.visualchat.tensor.DType;
import org.visualchat.tensor.Tensor;
import org.visualchat.tensor.ops.Elementwise;
import org.visualchat.tensor.ops.MatMul;
import org.visualchat.tensor.ops.Norm;
import org.visualchat.tensor.ops.Rope;
import org.visualchat.tensor.ops.Unary;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.visualchat.opencl.OpenClTesting.assertClose;

/**
 * A whole LLaMA decoder block (RMSNorm, Q/K/V projections, RoPE, grouped-query causal attention,
 * output projection, residual, RMSNorm, SwiGLU MLP, residual) run on the device from kernels alone,
 * against the same block composed from CPU ops; weights in F32 and Q8_0. Tolerance 2e-5 absolute +
 * 1e-4 relative. Also checks the traffic: weights go up once, a forward moves only its input, its
 * positions and its output.
 */
class TransformerBlockParityTest extends DeviceTestBase {
    static final int S = 13, HIDDEN = 64, HEADS = 4, KV_HEADS = 2, HEAD_DIM = 16, FFN = 96;
    static final float EPS = 1e-5f, THETA = 10000f;
    record Weights<T>(T norm1, T wq, T wk, T wv, T wo, T norm2, T gate, T up, T down) {}

    static Weights<Tensor> weights(DType dtype) {
        return new Weights<>(Tensor.uniform(1, 0.8f, 1.2f, HIDDEN),
                w(2, HEADS * HEAD_DIM, HIDDEN, dtype), w(3, KV_HEADS * HEAD_DIM, HIDDEN, dtype), w(4, KV_HEADS * HEAD_DIM, HIDDEN, dtype),
                w(5, HIDDEN, HEADS * HEAD_DIM, dtype), Tensor.uniform(6, 0.8f, 1.2f, HIDDEN),
                w(7, FFN, HIDDEN, dtype), w(8, FFN, HIDDEN, dtype), w(9, HIDDEN, FFN, dtype));
    }

    private static Tensor w(long seed, int out, int in, DType dtype) {
        return Tensor.uniform(seed, -0.25f, 0.25f, out, in).to(dtype);
    }

    static Tensor cpuBlock(Weights<Tensor> w, Tensor x, Tensor positions, Tensor mask) {
        Tensor h = Norm.rmsNorm(x, w.norm1(), EPS);
        Tensor q = Rope.rope(heads(MatMul.linear(h, w.wq()), HEADS), positions, THETA, Rope.Layout.HALF);
        Tensor k = Rope.rope(heads(MatMul.linear(h, w.wk()), KV_HEADS), positions, THETA, Rope.Layout.HALF);
        Tensor v = heads(MatMul.linear(h, w.wv()), KV_HEADS);
        Tensor a = CpuReference.attention(q, k, v, mask, null).transpose(1, 2).reshape(1, S, HEADS * HEAD_DIM);
        Tensor x2 = Elementwise.add(x, MatMul.linear(a, w.wo()));
        Tensor h2 = Norm.rmsNorm(x2, w.norm2(), EPS);
        Tensor mlp = MatMul.linear(Elementwise.mul(Unary.silu(MatMul.linear(h2, w.gate())), MatMul.linear(h2, w.up())), w.down());
        return Elementwise.add(x2, mlp);
    }

    private static Tensor heads(Tensor projected, int heads) {
        return projected.reshape(1, S, heads, HEAD_DIM).transpose(1, 2);
    }

    static DeviceTensor deviceBlock(Weights<DeviceTensor> w, DeviceTensor x, Tensor positions, DeviceTensor mask) {
        DeviceTensor h = gpu.rmsNorm(x, w.norm1(), EPS);
        DeviceTensor q = gpu.rope(deviceHeads(gpu.linear(h, w.wq()), HEADS), positions, THETA, Rope.Layout.HALF);
        DeviceTensor k = gpu.rope(deviceHeads(gpu.linear(h, w.wk()), KV_HEADS), positions, THETA, Rope.Layout.HALF);
        DeviceTensor v = deviceHeads(gpu.linear(h, w.wv()), KV_HEADS);
        DeviceTensor a = gpu.transpose(gpu.attention(q, k, v, mask), 1, 2).reshape(1, S, HEADS * HEAD_DIM);
        DeviceTensor x2 = gpu.add(x, gpu.linear(a, w.wo()));
        DeviceTensor h2 = gpu.rmsNorm(x2, w.norm2(), EPS);
        DeviceTensor mlp = gpu.linear(gpu.mul(gpu.silu(gpu.linear(h2, w.gate())), gpu.linear(h2, w.up())), w.down());
        return gpu.add(x2, mlp);
    }

    private static DeviceTensor deviceHeads(DeviceTensor projected, int heads) {
        return gpu.transpose(projected.reshape(1, S, heads, HEAD_DIM), 1, 2);
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "Q8_0"})
    void blockForwardMatchesCpuAndMovesOnlyActivationsAtTheEdges(DType dtype) {
        Weights<Tensor> w = weights(dtype);
        Tensor x = Tensor.uniform(10, -1, 1, 1, S, HIDDEN), mask = OpenClTesting.causal(S);
        long[] pos = new long[S];
        for (int i = 0; i < S; i++) pos[i] = i;
        Tensor positions = Tensor.ofLongs(pos, S);

        Weights<DeviceTensor> dw = new Weights<>(gpu.upload(w.norm1()), gpu.upload(w.wq()), gpu.upload(w.wk()), gpu.upload(w.wv()),
                gpu.upload(w.wo()), gpu.upload(w.norm2()), gpu.upload(w.gate()), gpu.upload(w.up()), gpu.upload(w.down()));
        DeviceTensor dMask = gpu.upload(mask);
        Tensor first = gpu.download(deviceBlock(dw, gpu.upload(x), positions, dMask));   // also builds the RoPE table
        assertClose(cpuBlock(w, x, positions, mask), first, 2e-5, 1e-4, "transformer block " + dtype);

        for (int run = 0; run < 2; run++) {
            TransferStats before = gpu.transfers();
            try (OpenClBackend.Scope ignored = gpu.scope()) {
                Tensor again = gpu.download(deviceBlock(dw, gpu.upload(x), positions, dMask));
                assertClose(first, again, 0, 0, "repeated forward");
            }
            TransferStats during = gpu.transfers();
            // Two uploads per forward (x, and the positions once for q and once for k), one download.
            assertEquals(4L * S * HIDDEN + 2 * 4L * S, during.bytesUploaded() - before.bytesUploaded(), "bytes uploaded by one forward");
            assertEquals(3, during.uploads() - before.uploads());
            assertEquals(4L * S * HIDDEN, during.bytesDownloaded() - before.bytesDownloaded(), "bytes downloaded by one forward");
        }
    }
}
