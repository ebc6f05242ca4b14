package org.visualchat.opencl.models;

import org.visualchat.llama.model.CausalLm;
import org.visualchat.llama.model.LlamaConfig;
import org.visualchat.llama.model.LlamaModel;
import org.visualchat.nn.Attention;
import org.visualchat.nn.AttentionPolicy;
import org.visualchat.nn.MaskedAttentionPolicy;
import org.visualchat.opencl.DeviceTensor;
import org.visualchat.opencl.OpenClBackend;
import org.visualchat.opencl.TransferStats;
import org.visualchat.tensor.DType;
import org.visualchat.tensor.Tensor;

import java.util.Arrays;

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
 * The device holds a snapshot of the weights taken at {@link #open}: later changes to the CPU model
 * (training) are not seen. Prompts are run in chunks of at most {@link #PREFILL_CHUNK} positions, which
 * bounds the activation memory. The KV cache on the device is F32 whatever cache dtype is asked for. Attention is causal
 * (policy null) or given by a {@link MaskedAttentionPolicy} (MMCA: its two branch masks, uploaded once
 * per step, feed the two-branch softmax kernel); any other policy is refused.
 */
public final class OpenClLlama implements CausalLm, AutoCloseable {
    static final int PREFILL_CHUNK = 64;

    private final LlamaModel model;
    private final LlamaConfig config;
    private final OpenClBackend gpu;
    private final LlamaDeviceWeights weights;
    private final int maxContext;
    /** KV cache slots [slot][layer], allocated once at open; a session holds one slot while open. */
    private final DeviceTensor[][] slotKeys, slotValues;
    private final boolean[] slotInUse;

    private OpenClLlama(LlamaModel model, OpenClBackend gpu, int maxContext, int sessions) {
        this.model = model;
        this.config = model.config();
        this.gpu = gpu;
        this.maxContext = maxContext;
        this.weights = LlamaDeviceWeights.upload(gpu, model);
        gpu.reserveRope(config.ropeTheta(), config.headDim(), maxContext - 1);
        slotKeys = new DeviceTensor[sessions][config.layers()];
        slotValues = new DeviceTensor[sessions][config.layers()];
        slotInUse = new boolean[sessions];
        for (int slot = 0; slot < sessions; slot++) {
            for (int l = 0; l < config.layers(); l++) {
                slotKeys[slot][l] = gpu.allocate(1, config.kvHeads(), maxContext, config.headDim());
                slotValues[slot][l] = gpu.allocate(1, config.kvHeads(), maxContext, config.headDim());
            }
        }
    }

    /** {@link #open(LlamaModel, String, int, int)} with one session slot. */
    public static OpenClLlama open(LlamaModel model, String device, int maxContext) {
        return open(model, device, maxContext, 1);
    }

    /**
     * Opens {@code device} ({@code opencl} or {@code opencl:N}) with arenas sized for this model and
     * up to {@code sessions} sequences open at once (each a KV cache of {@code maxContext} positions,
     * e.g. for {@code Generator.generateAll}), and uploads the weights.
     */
    public static OpenClLlama open(LlamaModel model, String device, int maxContext, int sessions) {
        if (maxContext < 1 || sessions < 1) throw new IllegalArgumentException("maxContext and sessions must be >= 1, got " + maxContext + " and " + sessions);
        OpenClBackend gpu = OpenClBackend.open(device, capacity(model.config(), LlamaDeviceWeights.footprint(model), maxContext, sessions));
        try {
            return new OpenClLlama(model, gpu, maxContext, sessions);
        } catch (RuntimeException e) {
            gpu.close();
            throw e;
        }
    }

    /**
     * Arena sizes: the weights, the KV caches, the RoPE table, and the activations of the largest step
     * (a prefill chunk of P positions against T = maxContext keys: per layer about P·(13d + 5·kv + 4f)
     * floats plus two H·P·T score matrices; every layer's activations are freed before the next).
     */
    static OpenClBackend.Capacity capacity(LlamaConfig c, long[] weightFootprint, int maxContext, int sessions) {
        long p = Math.min(PREFILL_CHUNK, maxContext), t = maxContext;
        long d = c.hiddenSize(), kv = c.kvDim(), f = c.intermediateSize();
        long layer = p * (13 * d + 5 * kv + 4 * f) + 2L * c.heads() * p * t + 32 * 16;
        long step = p * d + 2 * p * t + d + c.vocabSize() + 8 * 16;   // input, up to two masks, final norm, logits
        long rope = (2L * maxContext + 64) * c.headDim() + 32;
        long caches = sessions * (LlamaDeviceWeights.kvFloats(c, maxContext) + 2 * 16L * c.layers());
        long floats = weightFootprint[0] + caches + rope + step + layer + 4096;
        long bytes = weightFootprint[1] + 64, maxBytes = (long) OpenClBackend.Capacity.RAW_ARENAS * OpenClBackend.Capacity.RAW_ARENA_BYTES;
        if (floats > Integer.MAX_VALUE - 64 || bytes > maxBytes) {
            throw new IllegalArgumentException("this model needs " + floats + " device floats and " + bytes + " weight bytes for " + sessions
                    + " session(s) of " + maxContext + " positions; the OpenCL backend holds at most 2^31 floats and " + maxBytes
                    + " weight bytes (a smaller context or a Q4_0 file may fit)");
        }
        return new OpenClBackend.Capacity((int) Math.max(floats, OpenClBackend.Capacity.MIN_HEAP_FLOATS), bytes, (int) (2 * p + 256));
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
        for (int slot = 0; slot < slotInUse.length; slot++) {
            if (!slotInUse[slot]) {
                slotInUse[slot] = true;
                return new DeviceSession(capacity, slot);
            }
        }
        throw new IllegalStateException("all " + slotInUse.length + " session(s) this OpenCL model was opened for are in use: close one, or open it for more");
    }

    @Override
    public void close() {
        gpu.close();
    }

    /** One sequence, holding a KV cache slot until {@link #close()}; its steps run in scopes of their own. */
    private final class DeviceSession implements Session {
        private final DeviceTensor[] keys, values;
        private final int capacity, slot;
        private int length;
        private boolean closed;

        DeviceSession(int capacity, int slot) {
            this.capacity = capacity;
            this.slot = slot;
            this.keys = slotKeys[slot];
            this.values = slotValues[slot];
        }

        /**
         * Runs the prompt in chunks of {@link #PREFILL_CHUNK} positions. With a policy, its masks are
         * taken once for the whole call and each chunk gets its rows, cut at the keys cached so far
         * (exact unless a row without a visible key would fall back to keys beyond the chunk: see
         * {@link #chunkMasks}).
         */
        @Override
        public Tensor inferLast(Tensor embeds, AttentionPolicy policy) {
            if (embeds.rank() != 3 || embeds.dim(0) != 1 || embeds.dim(2) != config.hiddenSize() || embeds.dim(1) < 1) {
                throw new IllegalArgumentException("input embeddings must be [1, seq >= 1, " + config.hiddenSize() + "], got " + embeds);
            }
            int s = embeds.dim(1);
            requireRoom(s);
            Tensor[] full = policyMasks(policy, s, length + s);
            Tensor logits = null;
            for (int start = 0; start < s; start += PREFILL_CHUNK) {
                int c = Math.min(PREFILL_CHUNK, s - start);
                Tensor part = embeds.narrow(1, start, c).to(DType.F32);
                try (OpenClBackend.Scope ignored = gpu.scope()) {
                    logits = step(gpu.upload(part), chunkMasks(full, start, c, length + c));
                }
            }
            return logits;
        }

        @Override
        public Tensor inferToken(int id, AttentionPolicy policy) {
            requireRoom(1);
            Tensor[] masks = policyMasks(policy, 1, length + 1);
            try (OpenClBackend.Scope ignored = gpu.scope()) {
                return step(gpu.embedding(weights.embedTokens(), Tensor.ofInts(new int[] {id}, 1, 1)), chunkMasks(masks, 0, 1, length + 1));
            }
        }

        @Override
        public int length() { return length; }

        /** The slot's rows from {@code newLength} on are overwritten by the next step (written at {@code length}). */
        @Override
        public void truncate(int newLength) {
            if (newLength < 0 || newLength > length) throw new IllegalArgumentException("truncate to " + newLength + " outside [0, " + length + "]");
            length = newLength;
        }

        private void requireRoom(int s) {
            if (closed) throw new IllegalStateException("this OpenCL session was closed (its KV cache slot may belong to another session now)");
            if (length + s > capacity) throw new IllegalArgumentException("KV cache full: " + length + " positions stored + " + s + " new > capacity " + capacity);
        }

        /** Runs x [1, S, d] at positions [length, length + S) through every layer; last position's logits. */
        private Tensor step(DeviceTensor x, Tensor[] hostMasks) {
            int s = x.dim(1);
            DeviceTensor[] masks = new DeviceTensor[hostMasks.length];
            for (int i = 0; i < masks.length; i++) masks[i] = gpu.upload(hostMasks[i]);   // once per step, for every layer
            OpenClBackend.Positions positions = gpu.positions(LlamaModel.positions(length, s));
            for (int l = 0; l < keys.length; l++) {
                try (OpenClBackend.Scope ignored = gpu.scope()) {
                    gpu.writeSlice(x, 0, 0, layer(weights.layers()[l], x, positions, masks, l));
                }
            }
            length += s;
            DeviceTensor last = x.reshape(s, config.hiddenSize()).slice(s - 1, 1);
            return gpu.download(gpu.linear(gpu.rmsNorm(last, weights.norm(), config.rmsNormEps()), weights.lmHead()));
        }

        /** One decoder block (HF LlamaDecoderLayer): x + attn(norm(x)), then + mlp(norm(·)); appends k, v. */
        private DeviceTensor layer(LlamaDeviceWeights.Layer w, DeviceTensor x, OpenClBackend.Positions positions, DeviceTensor[] masks, int l) {
            int s = x.dim(1), t = length + s;
            float eps = config.rmsNormEps(), theta = config.ropeTheta();
            DeviceTensor h = gpu.rmsNorm(x, w.inputNorm(), eps);
            DeviceTensor q = gpu.rope(heads(gpu.linear(h, w.q()), config.heads()), positions, theta, model.ropeLayout());
            DeviceTensor k = gpu.rope(heads(gpu.linear(h, w.k()), config.kvHeads()), positions, theta, model.ropeLayout());
            gpu.writeSlice(keys[l], 2, length, k);
            gpu.writeSlice(values[l], 2, length, heads(gpu.linear(h, w.v()), config.kvHeads()));
            DeviceTensor a = masks.length == 2 ? gpu.mmcaAttention(q, keys[l], values[l], t, masks[0], masks[1])   // [1, H, S, D]
                    : gpu.attention(q, keys[l], values[l], t, masks.length == 0 ? null : masks[0]);
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
            if (!closed) slotInUse[slot] = false;
            closed = true;
        }
    }

    /** The policy's branch masks [1, 1, S, T] for the whole call, checked; null for causal attention. */
    private static Tensor[] policyMasks(AttentionPolicy policy, int s, int t) {
        if (policy == null) return null;
        if (!(policy instanceof MaskedAttentionPolicy masked)) {
            throw new UnsupportedOperationException("the OpenCL backend runs causal attention and MaskedAttentionPolicy (MMCA) only, not "
                    + policy.getClass().getName() + "; run with --device cpu");
        }
        Tensor[] branches = masked.branchMasks(s, t);
        if (branches.length < 1 || branches.length > 2) throw new IllegalArgumentException("an attention policy gave " + branches.length + " branch masks; the OpenCL kernels take 1 or 2");
        for (int i = 0; i < branches.length; i++) {
            if (!Arrays.equals(branches[i].shape(), new int[] {1, 1, s, t})) {
                throw new IllegalArgumentException("branch mask " + i + " is " + Arrays.toString(branches[i].shape()) + ", expected [1, 1, " + s + ", " + t + "]");
            }
        }
        return branches;
    }

    /**
     * The masks of the chunk of {@code c} queries starting at row {@code start} of the call, over the
     * {@code keys} positions cached once the chunk is written: causal (none for one query) without a
     * policy, else the rows of the call's masks cut at {@code keys}. The cut drops only keys after the
     * chunk's queries; that is exact when they are hidden (−∞) or when the row sees a key (mask 0) among
     * the kept ones. A row whose every kept key is a fallback (REFERENCE MMCA's uniform average, which
     * reads future keys) would average over fewer keys than the reference: refused, not approximated.
     */
    static Tensor[] chunkMasks(Tensor[] full, int start, int c, int keys) {
        if (full == null) return c == 1 ? new Tensor[0] : new Tensor[] {Attention.causalMask(c, keys)};
        Tensor[] out = new Tensor[full.length];
        for (int n = 0; n < full.length; n++) {
            Tensor rows = full[n].narrow(2, start, c);
            int t = rows.dim(3);
            float[] m = rows.contiguous().toFloatArray();
            for (int i = 0; i < c; i++) {
                float kept = Float.NEGATIVE_INFINITY, dropped = Float.NEGATIVE_INFINITY;
                for (int j = 0; j < t; j++) {
                    if (j < keys) kept = Math.max(kept, m[i * t + j]);
                    else dropped = Math.max(dropped, m[i * t + j]);
                }
                if (dropped > Float.NEGATIVE_INFINITY && kept < 0) {
                    throw new UnsupportedOperationException("query " + (start + i) + " has no visible key and falls back to keys after it (REFERENCE MMCA); "
                            + "that needs the whole prompt in one pass: run it with --device cpu or --attention strict");
                }
            }
            out[n] = rows.narrow(3, 0, keys);
        }
        return out;
    }
}
