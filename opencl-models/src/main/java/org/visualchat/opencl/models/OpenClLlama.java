package org.visualchat.opencl.models;

import org.visualchat.llama.model.CausalLm;
import org.visualchat.llama.model.LlamaConfig;
import org.visualchat.llama.model.LlamaModel;
import org.visualchat.nn.AttentionPolicy;
import org.visualchat.opencl.DeviceTensor;
import org.visualchat.opencl.OpenClBackend;
import org.visualchat.opencl.TransferStats;
import org.visualchat.tensor.DType;
import org.visualchat.tensor.Tensor;

/**
 * LLaMA inference on an OpenCL device: the same forward as {@link LlamaModel#infer} (HF
 * LlamaForCausalLM: RMSNorm, RoPE, grouped-query causal attention over a KV cache, SwiGLU), with the
 * weights uploaded once and the KV cache and every activation resident on the device. A step moves
 * only its input (embeddings, or token ids and positions), the causal mask of a multi-token chunk, and
 * the last position's logits back ({@link #transfers()} counts them).
 *
 * <pre>{@code
 * try (OpenClLlama gpu = OpenClLlama.open(model, "opencl:0", 2048)) {
 *     new Generator(gpu, tokenizer).generate(ids, config, System.out::print);
 * }
 * }</pre>
 *
 * Prompts are run in chunks of at most {@link #PREFILL_CHUNK} positions, which bounds the activation
 * memory. The KV cache on the device is F32 whatever cache dtype is asked for. Attention policies
 * (MMCA) are not supported here yet: a session given one throws.
 */
public final class OpenClLlama implements CausalLm, AutoCloseable {
    static final int PREFILL_CHUNK = 64;

    private final LlamaModel model;
    private final LlamaConfig config;
    private final OpenClBackend gpu;
    private final LlamaDeviceWeights weights;
    private final int maxContext;
    private boolean sessionOpen;

    private OpenClLlama(LlamaModel model, OpenClBackend gpu, int maxContext) {
        this.model = model;
        this.config = model.config();
        this.gpu = gpu;
        this.maxContext = maxContext;
        this.weights = LlamaDeviceWeights.upload(gpu, model);
        gpu.reserveRope(config.ropeTheta(), config.headDim(), maxContext - 1);
    }

    /**
     * Opens {@code device} ({@code opencl} or {@code opencl:N}) with arenas sized for this model and
     * sequences of up to {@code maxContext} positions, and uploads the weights.
     */
    public static OpenClLlama open(LlamaModel model, String device, int maxContext) {
        if (maxContext < 1) throw new IllegalArgumentException("maxContext must be >= 1, got " + maxContext);
        OpenClBackend gpu = OpenClBackend.open(device, capacity(model.config(), LlamaDeviceWeights.footprint(model), maxContext));
        try {
            return new OpenClLlama(model, gpu, maxContext);
        } catch (RuntimeException e) {
            gpu.close();
            throw e;
        }
    }

    /**
     * Arena sizes: the weights, the KV cache, the RoPE table, and the activations of the largest step
     * (a prefill chunk of P positions against T = maxContext keys: per layer about P·(13d + 5·kv + 4f)
     * floats plus two H·P·T score matrices; every layer's activations are freed before the next).
     */
    static OpenClBackend.Capacity capacity(LlamaConfig c, long[] weightFootprint, int maxContext) {
        long p = Math.min(PREFILL_CHUNK, maxContext), t = maxContext;
        long d = c.hiddenSize(), kv = c.kvDim(), f = c.intermediateSize();
        long layer = p * (13 * d + 5 * kv + 4 * f) + 2L * c.heads() * p * t + 32 * 16;
        long step = p * d + p * t + d + c.vocabSize() + 8 * 16;
        long rope = (2L * maxContext + 64) * c.headDim() + 32;
        long floats = weightFootprint[0] + LlamaDeviceWeights.kvFloats(c, maxContext) + 2 * 16L * c.layers() + rope + step + layer + 4096;
        long bytes = weightFootprint[1] + 64;
        if (floats > Integer.MAX_VALUE - 64 || bytes > Integer.MAX_VALUE - 64) {
            throw new IllegalArgumentException("this model needs " + floats + " device floats and " + bytes + " weight bytes for a context of "
                    + maxContext + "; the OpenCL backend's arenas hold at most 2^31 of each (a smaller context or a Q8_0 file may fit)");
        }
        return new OpenClBackend.Capacity((int) Math.max(floats, OpenClBackend.Capacity.MIN_HEAP_FLOATS), (int) bytes, (int) (2 * p + 256));
    }

    public String deviceDescription() { return gpu.deviceDescription(); }

    /** Whether the kernels run on the OpenCL device (false would mean Aparapi's Java fallback). */
    public boolean ranOnOpenCl() { return gpu.ranOnOpenCl(); }

    /** Host↔device traffic so far (weights included). */
    public TransferStats transfers() { return gpu.transfers(); }

    @Override
    public LlamaConfig config() { return config; }

    /** On the host, from the model's table: prompts with image features are spliced there. */
    @Override
    public Tensor embedTokens(Tensor ids) {
        return model.embedTokens(ids);
    }

    @Override
    public Session start(int capacity, DType cacheType) {
        if (capacity < 1 || capacity > maxContext) {
            throw new IllegalArgumentException("a session of " + capacity + " positions does not fit the " + maxContext + " this OpenCL model was opened for");
        }
        if (sessionOpen) throw new IllegalStateException("one session at a time on an OpenCL model: close the previous one first");
        sessionOpen = true;
        return new DeviceSession(capacity);
    }

    @Override
    public void close() {
        gpu.close();
    }

    /** One sequence: its KV cache lives in a scope of its own, freed by {@link #close()}. */
    private final class DeviceSession implements Session {
        private final OpenClBackend.Scope scope = gpu.scope();
        private final DeviceTensor[] keys = new DeviceTensor[config.layers()], values = new DeviceTensor[config.layers()];
        private final int capacity;
        private int length;

        DeviceSession(int capacity) {
            this.capacity = capacity;
            for (int l = 0; l < keys.length; l++) {
                keys[l] = gpu.allocate(1, config.kvHeads(), capacity, config.headDim());
                values[l] = gpu.allocate(1, config.kvHeads(), capacity, config.headDim());
            }
        }

        @Override
        public Tensor inferLast(Tensor embeds, AttentionPolicy policy) {
            requireCausal(policy);
            if (embeds.rank() != 3 || embeds.dim(0) != 1 || embeds.dim(2) != config.hiddenSize() || embeds.dim(1) < 1) {
                throw new IllegalArgumentException("input embeddings must be [1, seq >= 1, " + config.hiddenSize() + "], got " + embeds);
            }
            Tensor logits = null;
            for (int start = 0; start < embeds.dim(1); start += PREFILL_CHUNK) {
                Tensor chunk = embeds.narrow(1, start, Math.min(PREFILL_CHUNK, embeds.dim(1) - start)).to(DType.F32);
                try (OpenClBackend.Scope ignored = gpu.scope()) {
                    logits = step(gpu.upload(chunk));
                }
            }
            return logits;
        }

        @Override
        public Tensor inferToken(int id, AttentionPolicy policy) {
            requireCausal(policy);
            try (OpenClBackend.Scope ignored = gpu.scope()) {
                return step(gpu.embedding(weights.embedTokens(), Tensor.ofInts(new int[] {id}, 1, 1)));
            }
        }

        /** Runs x [1, S, d] at positions [length, length + S) through every layer; last position's logits. */
        private Tensor step(DeviceTensor x) {
            int s = x.dim(1);
            if (length + s > capacity) throw new IllegalArgumentException("KV cache full: " + length + " positions stored + " + s + " new > capacity " + capacity);
            OpenClBackend.Positions positions = gpu.positions(LlamaModel.positions(length, s));
            DeviceTensor mask = s == 1 ? null : gpu.upload(causalMask(length, s));
            for (int l = 0; l < keys.length; l++) {
                try (OpenClBackend.Scope ignored = gpu.scope()) {
                    gpu.writeSlice(x, 0, 0, layer(weights.layers()[l], x, positions, mask, l));
                }
            }
            length += s;
            DeviceTensor last = x.reshape(s, config.hiddenSize()).slice(s - 1, 1);
            return gpu.download(gpu.linear(gpu.rmsNorm(last, weights.norm(), config.rmsNormEps()), weights.lmHead()));
        }

        /** One decoder block (HF LlamaDecoderLayer): x + attn(norm(x)), then + mlp(norm(·)); appends k, v. */
        private DeviceTensor layer(LlamaDeviceWeights.Layer w, DeviceTensor x, OpenClBackend.Positions positions, DeviceTensor mask, int l) {
            int s = x.dim(1), t = length + s;
            float eps = config.rmsNormEps(), theta = config.ropeTheta();
            DeviceTensor h = gpu.rmsNorm(x, w.inputNorm(), eps);
            DeviceTensor q = gpu.rope(heads(gpu.linear(h, w.q()), config.heads()), positions, theta, model.ropeLayout());
            DeviceTensor k = gpu.rope(heads(gpu.linear(h, w.k()), config.kvHeads()), positions, theta, model.ropeLayout());
            gpu.writeSlice(keys[l], 2, length, k);
            gpu.writeSlice(values[l], 2, length, heads(gpu.linear(h, w.v()), config.kvHeads()));
            DeviceTensor a = gpu.attention(q, keys[l], values[l], t, mask);                       // [1, H, S, D]
            DeviceTensor merged = s == 1 ? a.reshape(1, 1, config.hiddenSize()) : gpu.transpose(a, 1, 2).reshape(1, s, config.hiddenSize());
            DeviceTensor x2 = gpu.add(x, gpu.linear(merged, w.o()));
            DeviceTensor h2 = gpu.rmsNorm(x2, w.postNorm(), eps);
            DeviceTensor mlp = gpu.linear(gpu.mul(gpu.silu(gpu.linear(h2, w.gate())), gpu.linear(h2, w.up())), w.down());
            return gpu.add(x2, mlp);
        }

        /** [1, S, n·D] → [1, n, S, D]; for one position that is the same memory, so no copy. */
        private DeviceTensor heads(DeviceTensor projected, int n) {
            int s = projected.dim(1);
            DeviceTensor split = projected.reshape(1, s, n, config.headDim());
            return s == 1 ? split.reshape(1, n, 1, config.headDim()) : gpu.transpose(split, 1, 2);
        }

        @Override
        public void close() {
            scope.close();
            sessionOpen = false;
        }
    }

    /** Additive mask [S, start + S]: query i (at position start + i) sees keys 0..start + i. */
    static Tensor causalMask(int start, int s) {
        int t = start + s;
        float[] m = new float[s * t];
        for (int i = 0; i < s; i++) {
            for (int j = start + i + 1; j < t; j++) m[i * t + j] = Float.NEGATIVE_INFINITY;
        }
        return Tensor.of(m, s, t);
    }

    private static void requireCausal(AttentionPolicy policy) {
        if (policy != null) {
            throw new UnsupportedOperationException("attention policies (MMCA masks) are not implemented on the OpenCL backend yet; run with --device cpu");
        }
    }
}
