package org.visualchat.opencl.models;

import org.visualchat.autograd.NoGrad;
import org.visualchat.autograd.Variable;
import org.visualchat.llama.model.LlamaConfig;
import org.visualchat.llama.model.LlamaModel;
import org.visualchat.nn.Attention;
import org.visualchat.nn.MaskedAttentionPolicy;
import org.visualchat.opencl.DeviceGradients;
import org.visualchat.opencl.DeviceTensor;
import org.visualchat.opencl.OpenClBackend;
import org.visualchat.opencl.TransferStats;
import org.visualchat.tensor.DType;
import org.visualchat.tensor.Tensor;
import org.visualchat.tensor.ops.Elementwise;

import java.util.Arrays;

/**
 * The training loss of a frozen LLaMA on an OpenCL device, and its gradient with respect to the input
 * embeddings: what a DeepSpeed-VisualChat step needs from the language model (reference §1: the LLaMA
 * is frozen, so gradients flow through it to the spliced embeddings, and from there into the trainable
 * {@code lang_embed} and projection on the host).
 *
 * <pre>{@code
 * try (OpenClLlamaLoss gpu = OpenClLlamaLoss.open(model, "opencl:0", 2, 512)) {   // batch, length
 *     Variable loss = gpu.loss(spliced.embeddings(), policy, spliced.labels());
 *     loss.backward();      // dLoss/dEmbeddings (computed on the device) flows on into the host tape
 * }
 * }</pre>
 *
 * One call is a forward over all layers (keeping only each layer's input), the shifted token-mean
 * cross-entropy ({@code ShiftedLoss}: logits at t predict label t + 1, −100 ignored), then a backward
 * that recomputes each layer's activations from its input (as gradient checkpointing does) and
 * backpropagates through it with the {@link DeviceGradients} kernels. Traffic per call: the embeddings,
 * the attention masks, positions and labels up; the row losses and dLoss/dEmbeddings down
 * ({@link #transfers()}). The weights are uploaded once at {@link #open}, in their stored dtype.
 */
public final class OpenClLlamaLoss implements AutoCloseable {
    private final LlamaConfig config;
    private final OpenClBackend gpu;
    private final DeviceGradients grad;
    private final LlamaDeviceWeights weights;
    private final LlamaModel model;
    private final int maxBatch, maxLength;

    private OpenClLlamaLoss(LlamaModel model, OpenClBackend gpu, int maxBatch, int maxLength) {
        this.model = model;
        this.config = model.config();
        this.gpu = gpu;
        this.grad = gpu.gradients();
        this.maxBatch = maxBatch;
        this.maxLength = maxLength;
        this.weights = LlamaDeviceWeights.upload(gpu, model);
        gpu.reserveRope(config.ropeTheta(), config.headDim(), maxLength - 1);
    }

    /** Opens {@code device} with arenas sized for batches of up to {@code maxBatch} rows of {@code maxLength} positions. */
    public static OpenClLlamaLoss open(LlamaModel model, String device, int maxBatch, int maxLength) {
        if (maxBatch < 1 || maxLength < 2) throw new IllegalArgumentException("maxBatch must be >= 1 and maxLength >= 2, got " + maxBatch + " and " + maxLength);
        OpenClBackend gpu = OpenClBackend.open(device, capacity(model, maxBatch, maxLength));
        try {
            return new OpenClLlamaLoss(model, gpu, maxBatch, maxLength);
        } catch (RuntimeException e) {
            gpu.close();
            throw e;
        }
    }

    /**
     * Arena sizes for N = batch·length tokens: the weights, every layer's input plus two gradient buffers
     * (N·d each), the masks, the head (logits and their gradient, N·V each, and an F32 copy of a quantized
     * lm_head), and one layer's forward and backward activations (per token about 24·d + 12·kv + 12·f
     * floats, six score-sized B·H·L² matrices, and an F32 copy of the largest quantized projection).
     */
    static OpenClBackend.Capacity capacity(LlamaModel model, int batch, int length) {
        LlamaConfig c = model.config();
        long[] footprint = LlamaDeviceWeights.footprint(model);
        long n = (long) batch * length, d = c.hiddenSize(), kv = c.kvDim(), f = c.intermediateSize(), v = c.vocabSize();
        long scores = (long) batch * c.heads() * length * length;
        long resident = (c.layers() + 3) * n * d + 2L * batch * length * length;
        long head = 2 * n * v + v * d + 2 * n * d + n;
        long layer = n * (24 * d + 12 * kv + 12 * f) + 6 * scores + f * d;
        long rope = (2L * length + 64) * c.headDim() + 32;
        long floats = footprint[0] + resident + Math.max(head, layer) + rope + 200 * 16L + 4096;
        long bytes = footprint[1] + 64, maxBytes = (long) OpenClBackend.Capacity.RAW_ARENAS * OpenClBackend.Capacity.RAW_ARENA_BYTES;
        if (floats > Integer.MAX_VALUE - 64 || bytes > maxBytes) {
            throw new IllegalArgumentException("training through this model needs " + floats + " device floats and " + bytes + " weight bytes for batches of "
                    + batch + " x " + length + " positions; the OpenCL backend holds at most 2^31 floats and " + maxBytes + " weight bytes");
        }
        return new OpenClBackend.Capacity((int) Math.max(floats, OpenClBackend.Capacity.MIN_HEAP_FLOATS), bytes, (int) (4 * n + 4 * length + 256));
    }

    public String deviceDescription() { return gpu.deviceDescription(); }

    /** Whether the kernels run on the OpenCL device (false would mean Aparapi's Java fallback). */
    public boolean ranOnOpenCl() { return gpu.ranOnOpenCl(); }

    /** Host↔device traffic so far (weights included). */
    public TransferStats transfers() { return gpu.transfers(); }

    @Override
    public void close() {
        gpu.close();
    }

    /** The loss (token mean over the kept targets; 0 when none), their number, and dLoss/dEmbeddings [B, L, d] (host). */
    public record Result(float loss, int kept, Tensor inputGradient) {}

    /**
     * The loss as a node of the host tape: its value computed on the device, and its backward feeding
     * dLoss/dEmbeddings (times the incoming gradient) into {@code embeddings} (e.g. spliced
     * {@code lang_embed} rows and projected image features). Without a tape to feed (under {@link NoGrad},
     * or embeddings that need no gradient, e.g. evaluation) only the forward runs.
     */
    public Variable loss(Variable embeddings, MaskedAttentionPolicy policy, int[][] labels) {
        if (!NoGrad.isRecording() || !embeddings.requiresGrad()) return Variable.of(Tensor.scalar(run(embeddings.value(), policy, labels, false).loss()));
        Result r = lossAndGradient(embeddings.value(), policy, labels);
        return Variable.fromOp(Tensor.scalar(r.loss()), g -> new Tensor[] {Elementwise.mul(r.inputGradient(), g.toFloatArray()[0])}, embeddings);
    }

    /**
     * One forward and backward through the frozen model. embeddings [B, L, d] (any float dtype); policy: the
     * attention's one or two additive branch masks [B, 1, L, L] (MMCA), or null for causal attention;
     * labels [B][L] (−100 = no target), shifted as {@code ShiftedLoss} does.
     */
    public Result lossAndGradient(Tensor embeddings, MaskedAttentionPolicy policy, int[][] labels) {
        return run(embeddings, policy, labels, true);
    }

    /** Forward and loss, then (withGradient) the backward; the result's gradient is null without it. */
    private Result run(Tensor embeddings, MaskedAttentionPolicy policy, int[][] labels, boolean withGradient) {
        int b = embeddings.dim(0), l = embeddings.rank() == 3 ? embeddings.dim(1) : 0, d = config.hiddenSize();
        if (embeddings.rank() != 3 || embeddings.dim(2) != d || b < 1 || b > maxBatch || l < 2 || l > maxLength) {
            throw new IllegalArgumentException("embeddings must be [1.." + maxBatch + ", 2.." + maxLength + ", " + d + "] (the sizes this device model was opened for), got "
                    + Arrays.toString(embeddings.shape()));
        }
        int[] targets = shiftedTargets(labels, b, l);
        Tensor[] hostMasks = masks(policy, b, l);
        try (OpenClBackend.Scope ignored = gpu.scope()) {
            DeviceTensor[] masks = new DeviceTensor[hostMasks.length];
            for (int i = 0; i < masks.length; i++) masks[i] = gpu.upload(hostMasks[i]);
            OpenClBackend.Positions positions = gpu.positions(LlamaModel.positions(0, l));
            LayerRun run = new LayerRun(positions, masks, b, l);
            int layers = config.layers();
            DeviceTensor[] inputs = new DeviceTensor[layers + 1];
            inputs[0] = gpu.upload(embeddings.to(DType.F32));
            for (int i = 0; i < layers; i++) {
                inputs[i + 1] = gpu.allocate(b, l, d);
                try (OpenClBackend.Scope layer = gpu.scope()) {
                    LlamaDeviceWeights.Layer w = weights.layers()[i];
                    gpu.writeSlice(inputs[i + 1], 0, 0, run.output(w, run.forward(w, inputs[i])));
                }
            }
            DeviceTensor dy = gpu.allocate(b, l, d), dx = gpu.allocate(b, l, d);
            DeviceGradients.CrossEntropy ce;
            try (OpenClBackend.Scope head = gpu.scope()) {
                DeviceTensor last = inputs[layers].reshape(b * l, d);
                ce = grad.crossEntropy(gpu.linear(gpu.rmsNorm(last, weights.norm(), config.rmsNormEps()), weights.lmHead()), targets, -100);
                if (!withGradient) return new Result(ce.loss(), ce.kept(), null);
                DeviceTensor dNormed = grad.linear(ce.dLogits(), weights.lmHead());
                gpu.writeSlice(dy, 0, 0, grad.rmsNorm(last, weights.norm(), dNormed, config.rmsNormEps()).reshape(b, l, d));
            }
            for (int i = layers - 1; i >= 0; i--) {
                try (OpenClBackend.Scope layer = gpu.scope()) {
                    gpu.writeSlice(dx, 0, 0, run.backward(weights.layers()[i], inputs[i], dy));
                }
                DeviceTensor swap = dy;
                dy = dx;
                dx = swap;
            }
            return new Result(ce.loss(), ce.kept(), gpu.download(dy));
        }
    }

    /** Target of position t in row r: labels[r][t + 1] (none, −100, at the last position). */
    private static int[] shiftedTargets(int[][] labels, int b, int l) {
        if (labels.length != b) throw new IllegalArgumentException(labels.length + " label rows for a batch of " + b);
        int[] targets = new int[b * l];
        for (int r = 0; r < b; r++) {
            if (labels[r].length != l) throw new IllegalArgumentException("label row " + r + " has " + labels[r].length + " entries for " + l + " positions");
            for (int t = 0; t < l; t++) targets[r * l + t] = t + 1 < l ? labels[r][t + 1] : -100;
        }
        return targets;
    }

    /** The policy's one or two branch masks [B, 1, L, L], or the causal mask [L, L]. */
    private static Tensor[] masks(MaskedAttentionPolicy policy, int b, int l) {
        if (policy == null) return new Tensor[] {Attention.causalMask(l, l)};
        Tensor[] branches = policy.branchMasks(l, l);
        if (branches.length < 1 || branches.length > 2) throw new IllegalArgumentException("an attention policy gave " + branches.length + " branch masks; the OpenCL kernels take 1 or 2");
        for (int i = 0; i < branches.length; i++) {
            if (!Arrays.equals(branches[i].shape(), new int[] {b, 1, l, l})) {
                throw new IllegalArgumentException("branch mask " + i + " is " + Arrays.toString(branches[i].shape()) + ", expected [" + b + ", 1, " + l + ", " + l + "]");
            }
        }
        return branches;
    }

    /** What a decoder block's backward reads of its forward (HF LlamaDecoderLayer), up to the MLP's down projection. */
    private record Activations(DeviceTensor q, DeviceTensor k, DeviceTensor v, DeviceTensor x2, DeviceTensor gate, DeviceTensor up) {}

    /** A layer's forward and backward for one batch: B rows of L positions, shared positions and masks. */
    private final class LayerRun {
        private final OpenClBackend.Positions positions;
        private final DeviceTensor[] masks;
        private final int b, l;

        LayerRun(OpenClBackend.Positions positions, DeviceTensor[] masks, int b, int l) {
            this.positions = positions;
            this.masks = masks;
            this.b = b;
            this.l = l;
        }

        /**
         * x2 = x + attn(norm(x)) and the MLP's gate and up projections of norm(x2), as OpenClLlama's inference
         * step (no KV cache); {@link #output} finishes the block. The backward's recomputation stops here: the
         * down projection's output is not needed for the gradients.
         */
        Activations forward(LlamaDeviceWeights.Layer w, DeviceTensor x) {
            float eps = config.rmsNormEps(), theta = config.ropeTheta();
            DeviceTensor h = gpu.rmsNorm(x, w.inputNorm(), eps);
            DeviceTensor q = gpu.rope(heads(gpu.linear(h, w.q()), config.heads()), positions, theta, model.ropeLayout());
            DeviceTensor k = gpu.rope(heads(gpu.linear(h, w.k()), config.kvHeads()), positions, theta, model.ropeLayout());
            DeviceTensor v = heads(gpu.linear(h, w.v()), config.kvHeads());
            DeviceTensor a = masks.length == 2 ? gpu.mmcaAttention(q, k, v, masks[0], masks[1]) : gpu.attention(q, k, v, masks[0]);
            DeviceTensor x2 = gpu.add(x, gpu.linear(merge(a), w.o()));
            DeviceTensor h2 = gpu.rmsNorm(x2, w.postNorm(), eps);
            DeviceTensor gate = gpu.linear(h2, w.gate()), up = gpu.linear(h2, w.up());
            return new Activations(q, k, v, x2, gate, up);
        }

        /** The block's output x2 + down(silu(gate)·up). */
        DeviceTensor output(LlamaDeviceWeights.Layer w, Activations a) {
            return gpu.add(a.x2(), gpu.linear(gpu.mul(gpu.silu(a.gate()), a.up()), w.down()));
        }

        /**
         * dLoss/dx from dLoss/dy, recomputing the activations from x. Residuals pass dy through; SwiGLU
         * splits into silu'(gate)·up and silu(gate); each projection's input gradient is dy·W; RoPE's is
         * the inverse rotation; the three projections of the normed input sum their gradients.
         */
        DeviceTensor backward(LlamaDeviceWeights.Layer w, DeviceTensor x, DeviceTensor dy) {
            float eps = config.rmsNormEps(), theta = config.ropeTheta();
            Activations act = forward(w, x);
            DeviceTensor dAct = grad.linear(dy, w.down());
            DeviceTensor dGate = grad.silu(act.gate(), gpu.mul(dAct, act.up()));
            DeviceTensor dUp = gpu.mul(dAct, gpu.silu(act.gate()));
            DeviceTensor dH2 = gpu.add(grad.linear(dGate, w.gate()), grad.linear(dUp, w.up()));
            DeviceTensor dX2 = gpu.add(dy, grad.rmsNorm(act.x2(), w.postNorm(), dH2, eps));
            DeviceTensor dA = heads(grad.linear(dX2, w.o()), config.heads());
            DeviceGradients.Attention da = grad.attention(act.q(), act.k(), act.v(), masks[0], masks.length == 2 ? masks[1] : null, dA);
            DeviceTensor dq = merge(grad.rope(da.dq(), positions, theta, model.ropeLayout()));
            DeviceTensor dk = merge(grad.rope(da.dk(), positions, theta, model.ropeLayout()));
            DeviceTensor dh = gpu.add(gpu.add(grad.linear(dq, w.q()), grad.linear(dk, w.k())), grad.linear(merge(da.dv()), w.v()));
            return gpu.add(dX2, grad.rmsNorm(x, w.inputNorm(), dh, eps));
        }

        /** [B, L, n·D] → [B, n, L, D]. */
        private DeviceTensor heads(DeviceTensor projected, int n) {
            return gpu.transpose(projected.reshape(b, l, n, config.headDim()), 1, 2);
        }

        /** [B, n, L, D] → [B, L, n·D]. */
        private DeviceTensor merge(DeviceTensor split) {
            return gpu.transpose(split, 1, 2).reshape(b, l, split.dim(1) * config.headDim());
        }
    }
}
