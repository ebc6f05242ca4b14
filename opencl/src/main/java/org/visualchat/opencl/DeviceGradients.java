package org.visualchat.opencl;

import org.visualchat.tensor.DType;
import org.visualchat.tensor.Tensor;
import org.visualchat.tensor.ops.Rope;

import java.util.Arrays;
import java.util.Comparator;

import static org.visualchat.opencl.DeviceProgram.*;

/**
 * The backward ops of {@link OpenClBackend}: given dLoss/dOutput of a forward op, dLoss/dInput (and
 * dLoss/dWeight where a weight trains). Enough to train through a frozen transformer on the device:
 * gradients flow through frozen weights to the inputs, so no weight gradient is formed for them.
 *
 * <pre>{@code
 * DeviceGradients grad = gpu.gradients();
 * DeviceTensor dx = grad.linear(dy, w);                          // y = x·Wᵀ  →  dx = dy·W
 * DeviceTensor dh = grad.rmsNorm(x, w, dy, eps);
 * DeviceGradients.Attention d = grad.attention(q, k, v, maskA, maskB, dOut);
 * }</pre>
 *
 * Results are F32 device tensors in the current scope, like the forward ops'. Every op is checked
 * against the CPU autograd in {@code BackwardParityTest}.
 */
public final class DeviceGradients {
    private final OpenClBackend gpu;

    DeviceGradients(OpenClBackend gpu) {
        this.gpu = gpu;
    }

    // ------------------------------------------------------------------ products

    /**
     * dx = dy·W for y = x·Wᵀ, W [N, K] in any weight dtype; dy [..., N] → dx [..., K]. A BF16/F16/Q8_0/Q4_0
     * weight is decoded to a temporary F32 copy in the current scope first, then multiplied by the tiled
     * kernel (the fused matvec reads W along K, the backward needs it along N).
     */
    public DeviceTensor linear(DeviceTensor dy, DeviceTensor w) {
        gpu.requireF32(dy, "linear backward");
        gpu.requireLive(w, "linear backward");
        if (w.rank() != 2 || dy.dim(-1) != w.dim(0)) throw new IllegalArgumentException("linear backward needs dy [..., N] and W [N, K], got " + dy + " and " + w);
        int n = w.dim(0), k = w.dim(1), rows = (int) (dy.numel() / Math.max(1, n));
        DeviceTensor f32 = w.dtype() == DType.F32 ? w : dequantize(w);
        int[] outShape = dy.shape();
        outShape[outShape.length - 1] = k;
        DeviceTensor dx = gpu.newF32(outShape);
        gpu.launcher().matmul(new DeviceLauncher.Operand(dy.offset(), n, 1, 0, 0, 1),
                new DeviceLauncher.Operand(f32.offset(), k, 1, 0, 0, 1), dx.offset(), rows, k, n, 1, 1, 1f);
        return dx;
    }

    /** dW = dyᵀ·x [N, K] for y = x·Wᵀ with a trainable F32 W: dy [..., N], x [..., K], rows summed. */
    public DeviceTensor linearWeight(DeviceTensor dy, DeviceTensor x) {
        gpu.requireF32(dy, "linear weight gradient");
        gpu.requireF32(x, "linear weight gradient");
        int n = dy.dim(-1), k = x.dim(-1), rows = (int) (x.numel() / Math.max(1, k));
        if (dy.numel() != (long) rows * n) throw new IllegalArgumentException("linear weight gradient: dy " + dy + " and x " + x + " have different rows");
        DeviceTensor dw = gpu.newF32(n, k);
        // A = dyᵀ read in place: element (j, r) of the [N, rows] operand is dy[r, j].
        gpu.launcher().matmul(new DeviceLauncher.Operand(dy.offset(), 1, n, 0, 0, 1),
                new DeviceLauncher.Operand(x.offset(), k, 1, 0, 0, 1), dw.offset(), n, k, rows, 1, 1, 1f);
        return dw;
    }

    /** A weight [N, K] in any dtype decoded to F32 (the embedding kernel over every row in order). */
    private DeviceTensor dequantize(DeviceTensor w) {
        DeviceTensor out = gpu.newF32(w.dim(0), w.dim(1));
        if (out.numel() > 0) gpu.launcher().embedding(w.arena(), w.offset(), OpenClBackend.weightCode(w), -1, w.dim(0), w.dim(1), out.offset());
        return out;
    }

    // ------------------------------------------------------------------ pointwise, rows

    /** d(silu(x))/dx · dy = dy·σ(x)·(1 + x·(1 − σ(x))) (SwiGLU's gate). */
    public DeviceTensor silu(DeviceTensor x, DeviceTensor dy) {
        if (!Arrays.equals(x.shape(), dy.shape())) throw new IllegalArgumentException("silu backward: x " + x + " and dy " + dy + " differ");
        return gpu.binary(BIN_SILU_GRAD, x, dy);
    }

    /** dx of {@link OpenClBackend#rmsNorm} for a frozen weight (null = none): x, dy [..., cols]. */
    public DeviceTensor rmsNorm(DeviceTensor x, DeviceTensor weight, DeviceTensor dy, float eps) {
        gpu.requireF32(x, "rmsNorm backward");
        gpu.requireF32(dy, "rmsNorm backward");
        int cols = x.dim(-1);
        if (!Arrays.equals(x.shape(), dy.shape())) throw new IllegalArgumentException("rmsNorm backward: x " + x + " and dy " + dy + " differ");
        if (weight != null) {
            gpu.requireF32(weight, "rmsNorm backward");
            if (weight.numel() != cols) throw new IllegalArgumentException("rmsNorm weight " + weight + " does not match the last dim of " + x);
        }
        DeviceTensor dx = gpu.newF32(x.shape());
        if (dx.numel() > 0) {
            gpu.launcher().rmsNormBackward(x.offset(), dy.offset(), dx.offset(), (int) (x.numel() / cols), cols, weight == null ? -1 : weight.offset(), eps);
        }
        return dx;
    }

    /**
     * dx of {@code softmax(x + maskA)} (maskB null) or of MMCA's {@code softmax(x + maskA) + softmax(x + maskB)}
     * from dy = dLoss/dP; masks as in the forward (null, one or two; −∞ hidden, μ fallback as the reference).
     */
    public DeviceTensor softmax(DeviceTensor x, DeviceTensor maskA, DeviceTensor maskB, DeviceTensor dy) {
        return softmax(x, 1f, maskA, maskB, dy);
    }

    private DeviceTensor softmax(DeviceTensor x, float scale, DeviceTensor maskA, DeviceTensor maskB, DeviceTensor dy) {
        gpu.requireF32(x, "softmax backward");
        gpu.requireF32(dy, "softmax backward");
        if (x.rank() < 1 || x.rank() > 4 || !Arrays.equals(x.shape(), dy.shape())) {
            throw new IllegalArgumentException("softmax backward needs x and dy of one shape, rank 1..4, got " + x + " and " + dy);
        }
        if (maskB != null && maskA == null) throw new IllegalArgumentException("softmax backward: a second mask needs a first");
        DeviceTensor dx = gpu.newF32(x.shape());
        if (dx.numel() > 0) {
            int[] dims = OpenClBackend.padTo4(x.shape());
            gpu.launcher().softmaxBackward(x.offset(), dy.offset(), dx.offset(), dims, dims[3], scale, gpu.mask(maskA, x), gpu.mask(maskB, x));
        }
        return dx;
    }

    /** dx of {@link OpenClBackend#rope}: the inverse rotation of dy at the same positions. */
    public DeviceTensor rope(DeviceTensor dy, OpenClBackend.Positions positions, float theta, Rope.Layout layout) {
        return gpu.rope(dy, positions, theta, layout, -1f);
    }

    // ------------------------------------------------------------------ attention

    /** Gradients of the attention inputs: dq [B, H, S, D], dk and dv [B, Hkv, T, D]. */
    public record Attention(DeviceTensor dq, DeviceTensor dk, DeviceTensor dv) {}

    /**
     * Backward of {@link OpenClBackend#attention} (maskB null) or {@link OpenClBackend#mmcaAttention}
     * (both masks) for q [B, H, S, D], k = v [B, Hkv, T, D], dOut [B, H, S, D]. With S = q·kᵀ/√D and P
     * recomputed: dV = Pᵀ·dO, dP = dO·Vᵀ, dS = softmax backward, dQ = dS·K/√D, dK = dSᵀ·Q/√D. A KV head's
     * dK and dV sum over its group of query heads without a copy: the group's rows of P, dS, Q and dO are
     * contiguous ([G·S, T] and [G·S, D]), so each is one product with inner dimension G·S.
     */
    public Attention attention(DeviceTensor q, DeviceTensor k, DeviceTensor v, DeviceTensor maskA, DeviceTensor maskB, DeviceTensor dOut) {
        for (DeviceTensor x : new DeviceTensor[] {q, k, v, dOut}) gpu.requireF32(x, "attention backward");
        if (q.rank() != 4 || k.rank() != 4 || !Arrays.equals(k.shape(), v.shape()) || !Arrays.equals(q.shape(), dOut.shape())
                || q.dim(0) != k.dim(0) || q.dim(3) != k.dim(3) || k.dim(1) == 0 || q.dim(1) % k.dim(1) != 0) {
            throw new IllegalArgumentException("attention backward needs q = dOut [B, H, S, D], k = v [B, Hkv, T, D], H a multiple of Hkv; got "
                    + q + ", " + k + ", " + v + ", " + dOut);
        }
        int b = q.dim(0), h = q.dim(1), s = q.dim(2), d = q.dim(3), hkv = k.dim(1), t = k.dim(2), g = h / hkv;
        float scale = (float) (1 / Math.sqrt(d));
        DeviceLauncher launch = gpu.launcher();
        DeviceTensor scores = gpu.newF32(b, h, s, t);
        launch.matmul(new DeviceLauncher.Operand(q.offset(), d, 1, h * s * d, s * d, 1),
                new DeviceLauncher.Operand(k.offset(), 1, d, hkv * t * d, t * d, g), scores.offset(), s, t, d, b, h, scale);
        DeviceTensor p = maskB != null ? gpu.softmaxTwoBranch(scores, maskA, maskB) : maskA != null ? gpu.softmax(scores, maskA) : gpu.softmax(scores);
        DeviceTensor dp = gpu.newF32(b, h, s, t);
        launch.matmul(new DeviceLauncher.Operand(dOut.offset(), d, 1, h * s * d, s * d, 1),
                new DeviceLauncher.Operand(v.offset(), 1, d, hkv * t * d, t * d, g), dp.offset(), s, t, d, b, h, 1f);
        DeviceTensor ds = softmax(scores, 1f, maskA, maskB, dp);
        DeviceTensor dq = gpu.newF32(b, h, s, d);
        launch.matmul(new DeviceLauncher.Operand(ds.offset(), t, 1, h * s * t, s * t, 1),
                new DeviceLauncher.Operand(k.offset(), d, 1, hkv * t * d, t * d, g), dq.offset(), s, d, t, b, h, scale);
        DeviceTensor dk = gpu.newF32(b, hkv, t, d), dv = gpu.newF32(b, hkv, t, d);
        groupTransposedProduct(ds, q, dk, b, hkv, g * s, t, d, scale);
        groupTransposedProduct(p, dOut, dv, b, hkv, g * s, t, d, 1f);
        return new Attention(dq, dk, dv);
    }

    /**
     * out[b, j] = alpha · A_jᵀ · B_j, where A_j [G·S, T] are rows of a [B, H, S, T] tensor and B_j [G·S, D]
     * rows of a [B, H, S, D] tensor, for KV head j's query heads (contiguous); out [B, Hkv, T, D].
     */
    private void groupTransposedProduct(DeviceTensor a, DeviceTensor bMat, DeviceTensor out, int batch, int hkv, int groupRows, int t, int d, float alpha) {
        gpu.launcher().matmul(new DeviceLauncher.Operand(a.offset(), 1, t, hkv * groupRows * t, groupRows * t, 1),
                new DeviceLauncher.Operand(bMat.offset(), d, 1, hkv * groupRows * d, groupRows * d, 1),
                out.offset(), t, d, groupRows, batch, hkv, alpha);
    }

    // ------------------------------------------------------------------ loss, embedding

    /** The token-mean loss over the kept labels (0 if none) and its gradient with respect to the logits. */
    public record CrossEntropy(float loss, int kept, DeviceTensor dLogits) {}

    /**
     * Cross-entropy of logits [N, V] against labels[N] (−100 = ignored), mean over the kept labels, and
     * dLogits = (softmax − onehot)/kept (zero rows for ignored labels). The labels go up (N ints) and the
     * N row losses come down, summed on the host in double.
     */
    public CrossEntropy crossEntropy(DeviceTensor logits, int[] labels, int ignoreIndex) {
        gpu.requireF32(logits, "cross-entropy");
        if (logits.rank() != 2 || logits.dim(0) != labels.length) {
            throw new IllegalArgumentException("cross-entropy needs logits [N, V] and N labels, got " + logits + " and " + labels.length + " labels");
        }
        int rows = logits.dim(0), vocab = logits.dim(1), kept = 0;
        int[] device = new int[rows];
        for (int i = 0; i < rows; i++) {
            int label = labels[i];
            if (label == ignoreIndex) device[i] = -1;
            else if (label < 0 || label >= vocab) throw new IllegalArgumentException("label " + label + " at row " + i + " is outside [0, " + vocab + ")");
            else {
                device[i] = label;
                kept++;
            }
        }
        DeviceTensor dLogits = gpu.newF32(rows, vocab);
        if (rows == 0) return new CrossEntropy(0f, 0, dLogits);
        DeviceTensor losses = gpu.newF32(rows);
        DeviceTensor deviceLabels = gpu.upload(Tensor.ofInts(device, rows));
        gpu.launcher().crossEntropy(logits.offset(), deviceLabels.offset(), rows, vocab, kept == 0 ? 0f : 1f / kept, losses.offset(), dLogits.offset());
        double sum = 0;
        for (float l : gpu.download(losses).toFloatArray()) sum += l;
        return new CrossEntropy(kept == 0 ? 0f : (float) (sum / kept), kept, dLogits);
    }

    /**
     * Embedding backward: dTable [V, D] (F32, accumulated in place) += dy [..ids, D] scattered by the host
     * ids. No atomics: the host groups positions by id, and one work-item owns each (id, column) and adds
     * its positions in order, so the result is the same on every run and device.
     */
    public void embedding(DeviceTensor dTable, Tensor ids, DeviceTensor dy) {
        gpu.requireF32(dTable, "embedding backward");
        gpu.requireF32(dy, "embedding backward");
        long[] values = ids.toLongArray();
        if (dTable.rank() != 2 || dy.numel() != (long) values.length * dTable.dim(1)) {
            throw new IllegalArgumentException("embedding backward needs dTable [V, D] and dy with one D-row per id, got " + dTable + ", " + dy + " for " + values.length + " ids");
        }
        Integer[] order = new Integer[values.length];
        for (int i = 0; i < values.length; i++) {
            if (values[i] < 0 || values[i] >= dTable.dim(0)) {
                throw new IllegalArgumentException("token id " + values[i] + " at position " + i + " is outside the table [0, " + dTable.dim(0) + ")");
            }
            order[i] = i;
        }
        if (values.length == 0) return;
        Arrays.sort(order, Comparator.comparingLong(i -> values[i]));   // stable: an id's positions stay in order
        int[] distinct = new int[values.length], starts = new int[values.length + 1], positions = new int[values.length];
        int u = 0;
        for (int at = 0; at < order.length; at++) {
            positions[at] = order[at];
            if (at == 0 || values[order[at]] != values[order[at - 1]]) {
                distinct[u] = (int) values[order[at]];
                starts[u++] = at;
            }
        }
        starts[u] = values.length;
        distinct = Arrays.copyOf(distinct, u);
        starts = Arrays.copyOf(starts, u + 1);
        try (OpenClBackend.Scope ignored = gpu.scope()) {
            gpu.launcher().embeddingBackward(dy.offset(), gpu.upload(Tensor.ofInts(distinct, distinct.length)).offset(),
                    gpu.upload(Tensor.ofInts(starts, starts.length)).offset(), gpu.upload(Tensor.ofInts(positions, positions.length)).offset(),
                    distinct.length, dTable.dim(1), dTable.offset());
        }
    }
}
