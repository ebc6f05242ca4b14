package org.visualchat.opencl;

import org.visualchat.tensor.Tensor;
import org.visualchat.tensor.ops.Elementwise;
import org.visualchat.tensor.ops.MatMul;
import org.visualchat.tensor.ops.Softmax;

/** Attention composed from the CPU ops: the reference the device attention is held to. */
final class CpuReference {
    private CpuReference() {}

    /** q [B, H, S, D], k and v [B, Hkv, T, D]; mask null, one additive mask, or two (MMCA branches). */
    static Tensor attention(Tensor q, Tensor k, Tensor v, Tensor maskA, Tensor maskB) {
        int h = q.dim(1), group = h / k.dim(1);
        Tensor kk = repeatHeads(k, group), vv = repeatHeads(v, group);
        Tensor scores = Elementwise.mul(MatMul.matmul(q, kk.transpose(-2, -1)), (float) (1 / Math.sqrt(q.dim(3))));
        Tensor p = maskA == null ? Softmax.softmax(scores) : Softmax.softmax(scores, maskA);
        if (maskB != null) p = Elementwise.add(p, Softmax.softmax(scores, maskB));
        return MatMul.matmul(p, vv);
    }

    /** [B, Hkv, T, D] → [B, Hkv·group, T, D], each KV head repeated for its group of query heads. */
    static Tensor repeatHeads(Tensor x, int group) {
        int b = x.dim(0), hkv = x.dim(1), t = x.dim(2), d = x.dim(3);
        return x.unsqueeze(2).expand(b, hkv, group, t, d).reshape(b, hkv * group, t, d);
    }
}
