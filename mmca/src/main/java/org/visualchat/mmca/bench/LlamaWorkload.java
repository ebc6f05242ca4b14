package org.visualchat.mmca.bench;

import org.visualchat.llama.load.LlamaCheckpoints;
import org.visualchat.llama.load.LlamaLoader;
import org.visualchat.llama.load.LoadedModel;
import org.visualchat.llama.model.KvCache;
import org.visualchat.llama.model.LlamaConfig;
import org.visualchat.llama.model.LlamaModel;
import org.visualchat.llama.model.RandomWeights;
import org.visualchat.tensor.DType;
import org.visualchat.tensor.Tensor;
import org.visualchat.tensor.io.GgufFile;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * A LLaMA model with random weights, written once as a GGUF file of the requested weight type into a
 * cache directory and memory-mapped from there, as a real checkpoint would be. Every layer gets the
 * same random matrices (a benchmark needs the bytes, not distinct values): the file still holds one
 * copy per layer, so a decode step streams the full model size from memory.
 */
public final class LlamaWorkload implements AutoCloseable {
    /** TinyLlama-1.1B's shape: d 2048, 22 layers, 32 heads, 4 KV heads, FFN 5632, vocab 32000. */
    public static final LlamaConfig TINYLLAMA = new LlamaConfig(2048, 5632, 22, 32, 4, 1e-5f, 10000f, 32000, 2048, false);

    public final LlamaConfig config;
    public final DType type;
    private final LoadedModel loaded;
    /** Resident memory just before the model was mapped (after any writing), the baseline of {@link #memoryReport}. */
    private final Optional<ResidentMemory> beforeLoad;
    private KvCache cache;

    public LlamaWorkload(Path dir, LlamaConfig config, DType type, Consumer<String> progress) throws IOException {
        this.config = config;
        this.type = type;
        Path file = dir.resolve(String.format("llama-random-%dx%dx%dx%dx%dx%d-%s.gguf", config.hiddenSize(), config.layers(), config.heads(),
                config.kvHeads(), config.intermediateSize(), config.vocabSize(), type));
        if (!matches(file)) {
            Files.createDirectories(dir);
            progress.accept("writing " + file);
            LlamaCheckpoints.writeGguf(file, config, sharedRandomWeights(config), type, LlamaCheckpoints.placeholderVocabulary(config.vocabSize()));
        }
        this.beforeLoad = ResidentMemory.now();
        this.loaded = LlamaLoader.load(file, progress);
    }

    public LlamaModel model() { return loaded.model(); }

    /** Bytes of all weights as mapped (the full embedding table included). */
    public long weightBytes() {
        long bytes = 0;
        for (var p : model().namedParameters().values()) bytes += p.value().dtype().byteSize(p.value().numel());
        return bytes;
    }

    /**
     * Growth of anonymous resident memory since just before loading: what the model and its cache cost
     * beyond the mapped weights. Issue 4's budget is the KV cache + 10 % of the weights; a weight copied to
     * memory we own would blow it. Empty where the figures are not available (not Linux).
     */
    public Optional<Long> anonymousGrowthBytes() {
        return beforeLoad.flatMap(before -> ResidentMemory.now().map(now -> now.anonBytes() - before.anonBytes()));
    }

    /** One line: resident memory split into mapped (file) and owned (anonymous), against issue 4's budget. */
    public String memoryReport() {
        Optional<ResidentMemory> now = ResidentMemory.now();
        if (now.isEmpty() || anonymousGrowthBytes().isEmpty()) return "memory " + type + ": /proc/self/status not available";
        double mib = 1 << 20;
        long weights = weightBytes(), kv = cache == null ? 0 : cache.bytes(), growth = anonymousGrowthBytes().get();
        long budget = kv + weights / 10;
        return String.format("memory %-4s: resident %.0f MiB = file-backed %.0f MiB (weights mapped: %.0f MiB) + anonymous %.0f MiB + shmem %.0f MiB; "
                        + "anonymous growth since load %.1f MiB vs budget KV cache %.1f MiB + 10%% of weights = %.1f MiB (%s); resident vs weights + KV + 10%%: %.0f / %.0f MiB",
                type, now.get().totalBytes() / mib, now.get().fileBytes() / mib, weights / mib, now.get().anonBytes() / mib, now.get().shmemBytes() / mib,
                growth / mib, kv / mib, budget / mib, growth <= budget ? "within" : "OVER", now.get().totalBytes() / mib, (weights + budget) / mib);
    }

    /** Bytes of weights one decode step reads: every matrix and norm, one embedding row. */
    public long weightBytesPerToken() {
        long bytes = 0;
        for (var e : model().namedParameters().entrySet()) {
            Tensor t = e.getValue().value();
            bytes += e.getKey().equals("model.embed_tokens.weight") ? t.dtype().byteSize(t.dim(1)) : t.dtype().byteSize(t.numel());
        }
        return bytes;
    }

    /** Embeddings of {@code count} arbitrary token ids, [1, count, d]. */
    public Tensor tokens(int count) {
        int[] ids = new int[count];
        for (int i = 0; i < count; i++) ids[i] = (i * 7919 + 13) % config.vocabSize();
        return model().embedTokens(Tensor.ofInts(ids, 1, count));
    }

    /** A prefill of {@code tokens} tokens, then as many decode steps; the cache they filled. */
    public KvCache prefillAndDecode(int tokens) {
        KvCache kv = cache(2 * tokens);
        kv.truncate(0);
        model().infer(tokens(tokens), kv, null);
        for (int i = 0; i < tokens; i++) model().inferLast(tokens(1), kv, null);
        return kv;
    }

    /**
     * Runs {@code type}'s kernels on a small model written under {@code dir}/warm-up until the JIT has compiled
     * them, then collects the garbage. A cold JVM runs Vector API code boxed, allocating gigabytes whose
     * young-generation pages then stay resident, and fills its code cache: memory of the JVM's warm-up, not of
     * the model measured next. Without it the first model of a {@code bench decode} run grew by 89–125 MiB and
     * the second by 6–25 (Q4_0, then BF16; session 14), so a small first model was reported over its budget.
     */
    public static void warmUp(Path dir, DType type) throws IOException {
        LlamaConfig small = new LlamaConfig(256, 704, 2, 4, 1, 1e-5f, 10000f, 1000, 64, false);
        try (LlamaWorkload w = new LlamaWorkload(dir.resolve("warm-up"), small, type, line -> {})) {
            for (int i = 0; i < 300; i++) w.prefillAndDecode(4);
        }
        System.gc();
    }

    /** A cache for up to {@code capacity} positions, reused across calls. */
    public KvCache cache(int capacity) {
        if (cache == null || cache.capacity() < capacity) cache = model().newCache(1, capacity, DType.F32);
        return cache;
    }

    @Override
    public void close() throws IOException {
        loaded.close();
    }

    private boolean matches(Path file) throws IOException {
        if (!Files.isRegularFile(file)) return false;
        try (GgufFile gguf = GgufFile.open(file)) {
            return gguf.names().size() == 2 + 9 * config.layers() + (config.tieWordEmbeddings() ? 0 : 1) && gguf.metadata().contains("tokenizer.ggml.tokens");
        } catch (IOException | RuntimeException e) {
            return false; // an interrupted or foreign file: write it again
        }
    }

    private static Map<String, Tensor> sharedRandomWeights(LlamaConfig c) {
        RandomWeights random = new RandomWeights(1, DType.F32);
        int d = c.hiddenSize(), f = c.intermediateSize(), kv = c.kvDim();
        Tensor norm = random.tensor("norm", d), q = random.tensor("q", d, d), k = random.tensor("k", kv, d), v = random.tensor("v", kv, d),
                o = random.tensor("o", d, d), gate = random.tensor("gate", f, d), up = random.tensor("up", f, d), down = random.tensor("down", d, f);
        Map<String, Tensor> w = new LinkedHashMap<>();
        w.put("model.embed_tokens.weight", random.tensor("model.embed_tokens.weight", c.vocabSize(), d));
        for (int l = 0; l < c.layers(); l++) {
            String p = "model.layers." + l + ".";
            w.put(p + "input_layernorm.weight", norm);
            w.put(p + "self_attn.q_proj.weight", q);
            w.put(p + "self_attn.k_proj.weight", k);
            w.put(p + "self_attn.v_proj.weight", v);
            w.put(p + "self_attn.o_proj.weight", o);
            w.put(p + "post_attention_layernorm.weight", norm);
            w.put(p + "mlp.gate_proj.weight", gate);
            w.put(p + "mlp.up_proj.weight", up);
            w.put(p + "mlp.down_proj.weight", down);
        }
        w.put("model.norm.weight", norm);
        w.put("lm_head.weight", random.tensor("lm_head", c.vocabSize(), d));
        return w;
    }
}
