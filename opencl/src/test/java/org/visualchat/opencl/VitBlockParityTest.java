package org.visualchat.opencl;

import org.junit.jupiter.api.Test;
import org.visualchat.tensor.Tensor;
import org.visualchat.tensor.ops.Elementwise;
import org.visualchat.tensor.ops.MatMul;
import org.visualchat.tensor.ops.Norm;
import org.visualchat.tensor.ops.Unary;

import static org.visualchat.opencl.OpenClTesting.assertClose;

/**
 * A CLIP ViT encoder layer (pre-LayerNorm with bias, biased projections, bidirectional attention,
 * QuickGELU MLP, residuals) on a batch of two images, device vs CPU ops; 2e-5 absolute + 1e-4 relative.
 */
class VitBlockParityTest extends DeviceTestBase {
    static final int B = 2, T = 9, HIDDEN = 64, HEADS = 4, HEAD_DIM = 16, MLP = 96;
    static final float EPS = 1e-5f;

    record Layer<T>(T ln1w, T ln1b, T wq, T bq, T wk, T bk, T wv, T bv, T wo, T bo, T ln2w, T ln2b, T fc1, T b1, T fc2, T b2) {}

    private static Tensor u(long seed, float lo, float hi, int... shape) {
        return Tensor.uniform(seed, lo, hi, shape);
    }

    static Tensor cpu(Layer<Tensor> l, Tensor x) {
        Tensor h = Norm.layerNorm(x, l.ln1w(), l.ln1b(), EPS);
        Tensor q = heads(Elementwise.add(MatMul.linear(h, l.wq()), l.bq()));
        Tensor k = heads(Elementwise.add(MatMul.linear(h, l.wk()), l.bk()));
        Tensor v = heads(Elementwise.add(MatMul.linear(h, l.wv()), l.bv()));
        Tensor a = CpuReference.attention(q, k, v, null, null).transpose(1, 2).reshape(B, T, HIDDEN);
        Tensor x2 = Elementwise.add(x, Elementwise.add(MatMul.linear(a, l.wo()), l.bo()));
        Tensor h2 = Norm.layerNorm(x2, l.ln2w(), l.ln2b(), EPS);
        Tensor m = Elementwise.add(MatMul.linear(Unary.quickGelu(Elementwise.add(MatMul.linear(h2, l.fc1()), l.b1())), l.fc2()), l.b2());
        return Elementwise.add(x2, m);
    }

    private static Tensor heads(Tensor t) {
        return t.reshape(B, T, HEADS, HEAD_DIM).transpose(1, 2);
    }

    static DeviceTensor device(Layer<DeviceTensor> l, DeviceTensor x) {
        DeviceTensor h = gpu.layerNorm(x, l.ln1w(), l.ln1b(), EPS);
        DeviceTensor q = deviceHeads(gpu.add(gpu.linear(h, l.wq()), l.bq()));
        DeviceTensor k = deviceHeads(gpu.add(gpu.linear(h, l.wk()), l.bk()));
        DeviceTensor v = deviceHeads(gpu.add(gpu.linear(h, l.wv()), l.bv()));
        DeviceTensor a = gpu.transpose(gpu.attention(q, k, v, null), 1, 2).reshape(B, T, HIDDEN);
        DeviceTensor x2 = gpu.add(x, gpu.add(gpu.linear(a, l.wo()), l.bo()));
        DeviceTensor h2 = gpu.layerNorm(x2, l.ln2w(), l.ln2b(), EPS);
        DeviceTensor m = gpu.add(gpu.linear(gpu.quickGelu(gpu.add(gpu.linear(h2, l.fc1()), l.b1())), l.fc2()), l.b2());
        return gpu.add(x2, m);
    }

    private static DeviceTensor deviceHeads(DeviceTensor t) {
        return gpu.transpose(t.reshape(B, T, HEADS, HEAD_DIM), 1, 2);
    }

    @Test
    void encoderLayerMatchesCpu() {
        Layer<Tensor> l = new Layer<>(u(1, 0.8f, 1.2f, HIDDEN), u(2, -0.1f, 0.1f, HIDDEN),
                u(3, -0.25f, 0.25f, HIDDEN, HIDDEN), u(4, -0.1f, 0.1f, HIDDEN), u(5, -0.25f, 0.25f, HIDDEN, HIDDEN), u(6, -0.1f, 0.1f, HIDDEN),
                u(7, -0.25f, 0.25f, HIDDEN, HIDDEN), u(8, -0.1f, 0.1f, HIDDEN), u(9, -0.25f, 0.25f, HIDDEN, HIDDEN), u(10, -0.1f, 0.1f, HIDDEN),
                u(11, 0.8f, 1.2f, HIDDEN), u(12, -0.1f, 0.1f, HIDDEN),
                u(13, -0.25f, 0.25f, MLP, HIDDEN), u(14, -0.1f, 0.1f, MLP), u(15, -0.25f, 0.25f, HIDDEN, MLP), u(16, -0.1f, 0.1f, HIDDEN));
        Layer<DeviceTensor> d = new Layer<>(gpu.upload(l.ln1w()), gpu.upload(l.ln1b()), gpu.upload(l.wq()), gpu.upload(l.bq()),
                gpu.upload(l.wk()), gpu.upload(l.bk()), gpu.upload(l.wv()), gpu.upload(l.bv()), gpu.upload(l.wo()), gpu.upload(l.bo()),
                gpu.upload(l.ln2w()), gpu.upload(l.ln2b()), gpu.upload(l.fc1()), gpu.upload(l.b1()), gpu.upload(l.fc2()), gpu.upload(l.b2()));
        Tensor x = u(17, -1, 1, B, T, HIDDEN);
        assertClose(cpu(l, x), gpu.download(device(d, gpu.upload(x))), 2e-5, 1e-4, "ViT encoder layer");
    }
}
