package org.visualchat.llama.load;

import org.visualchat.llama.model.LlamaConfig;
import org.visualchat.llama.model.LlamaModel;
import org.visualchat.tensor.DType;
import org.visualchat.tensor.Tensor;
import org.visualchat.tensor.io.GgufFile;
import org.visualchat.tensor.io.Json;
import org.visualchat.tensor.io.JsonException;
import org.visualchat.tensor.io.Safetensors;
import org.visualchat.tensor.io.SafetensorsFile;
import org.visualchat.tensor.io.ShardedCheckpoint;
import org.visualchat.tensor.io.TensorSource;
import org.visualchat.tensor.ops.Rope;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Opens a LLaMA checkpoint as a {@link LlamaModel} whose weights are memory-mapped in their stored
 * dtype (no F32 copy of a BF16 or quantized model):
 * <ul>
 *   <li>a Hugging Face directory: {@code config.json} + {@code model.safetensors} or
 *       {@code model.safetensors.index.json} shards (F32/F16/BF16); HF RoPE layout;</li>
 *   <li>a llama.cpp {@code .gguf} file (F32/F16/BF16/Q8_0/Q4_0), config from its {@code llama.*}
 *       metadata, q/k rows in Meta order, so the model rotates interleaved pairs (see {@link LlamaModel}).</li>
 * </ul>
 * Every problem is a {@link ModelFormatException} naming the file and the tensor or field: a missing
 * tensor, a shape the config does not imply, an unsupported dtype, or tensors left over (the config
 * describes fewer layers than the weights hold).
 */
public final class LlamaLoader {
    private LlamaLoader() {}

    /** Tensors some exporters add that a LLaMA forward pass does not use. */
    private static final Set<String> IGNORED_SUFFIXES = Set.of("rotary_emb.inv_freq", "rope_freqs.weight", "rope.freqs");

    /** A model directory, a {@code .gguf} file, or a safetensors file / index next to its config.json. */
    public static LoadedModel load(Path path, Consumer<String> progress) throws IOException {
        if (Files.isRegularFile(path) && path.getFileName().toString().endsWith(".gguf")) return loadGguf(path, progress);
        if (Files.isDirectory(path)) {
            if (Files.exists(path.resolve("config.json"))) return loadHf(path.resolve("config.json"), path, progress);
            List<Path> ggufs;
            try (Stream<Path> files = Files.list(path)) {
                ggufs = files.filter(p -> p.getFileName().toString().endsWith(".gguf")).sorted().toList();
            }
            if (ggufs.size() == 1) return loadGguf(ggufs.getFirst(), progress);
            throw new ModelFormatException(path, "not a LLaMA checkpoint directory: expected config.json with *.safetensors, or exactly one .gguf file (found " + ggufs.size() + ")");
        }
        if (Files.isRegularFile(path) && (path.toString().endsWith(".safetensors") || path.toString().endsWith(".index.json"))) {
            Path config = path.toAbsolutePath().getParent().resolve("config.json");
            if (!Files.exists(config)) throw new ModelFormatException(path, "no config.json next to it");
            return loadHf(config, path, progress);
        }
        if (!Files.exists(path)) throw new ModelFormatException(path, "does not exist");
        throw new ModelFormatException(path, "not a LLaMA checkpoint: expected a model directory (config.json + safetensors), a .safetensors/.index.json file, or a .gguf file");
    }

    private static LoadedModel loadHf(Path configFile, Path weightsPath, Consumer<String> progress) throws IOException {
        LlamaConfig config = readConfig(configFile);
        progress.accept("config " + configFile + ": " + describe(config));
        TensorSource source = Safetensors.open(weightsPath);
        try {
            Path described = source instanceof ShardedCheckpoint s ? s.index() : ((SafetensorsFile) source).path();
            CheckpointWeights.Lookup lookup = new CheckpointWeights.Lookup() {
                @Override public boolean contains(String n) { return source.contains(n); }
                @Override public Path file(String n) { return fileOf(source, n); }
                @Override public DType dtype(String n) { return source.info(n).dtype(); }
                @Override public int[] shape(String n) { return source.info(n).shape(); }
                @Override public Tensor tensor(String n) { return source.tensor(n); }
            };
            CheckpointWeights weights = new CheckpointWeights(lookup, n -> n, n -> configFields(config, n), described);
            LlamaModel model = build(config, Rope.Layout.HALF, weights);
            Set<String> ignorable = config.tieWordEmbeddings() ? Set.of("lm_head.weight") : Set.of();
            checkLeftovers(source.names(), weights.used(), ignorable, n -> fileOf(source, n), config);
            progress.accept("mapped " + weights.used().size() + " tensors from " + weightsPath + " (" + dtypes(source, weights.used()) + ")");
            return new LoadedModel(model, weightsPath, "safetensors", source);
        } catch (IOException | RuntimeException e) {
            source.close();
            throw e;
        }
    }

    private static LoadedModel loadGguf(Path file, Consumer<String> progress) throws IOException {
        GgufFile gguf = GgufFile.open(file);
        try {
            if (!gguf.contains("token_embd.weight")) throw new ModelFormatException(file, "missing tensor token_embd.weight (model.embed_tokens.weight)");
            LlamaConfig config;
            try {
                config = LlamaConfig.fromGguf(gguf.metadata(), gguf.info("token_embd.weight").shape()[0], !gguf.contains("output.weight"));
            } catch (IllegalArgumentException e) {
                throw new ModelFormatException(file, e.getMessage());
            }
            progress.accept("config from " + file.getFileName() + " metadata: " + describe(config));
            CheckpointWeights.Lookup lookup = new CheckpointWeights.Lookup() {
                @Override public boolean contains(String n) { return gguf.contains(n); }
                @Override public Path file(String n) { return file; }
                @Override public DType dtype(String n) { return gguf.info(n).dtype(); }
                @Override public int[] shape(String n) { return gguf.info(n).shape(); }
                @Override public Tensor tensor(String n) { return gguf.tensor(n); }
            };
            CheckpointWeights weights = new CheckpointWeights(lookup, TensorNames::toGguf, n -> ggufFields(config, n), file);
            LlamaModel model = build(config, Rope.Layout.INTERLEAVED, weights);
            checkLeftovers(gguf.names(), weights.used(), Set.of(), n -> file, config);
            progress.accept("mapped " + weights.used().size() + " tensors from " + file + " (" + dtypes(gguf, weights.used()) + ")");
            return new LoadedModel(model, file, "gguf", gguf);
        } catch (IOException | RuntimeException e) {
            gguf.close();
            throw e;
        }
    }

    private static LlamaConfig readConfig(Path configFile) throws IOException {
        Object json;
        try {
            json = Json.parseUtf8(Files.readAllBytes(configFile));
        } catch (JsonException e) {
            throw new ModelFormatException(configFile, "not valid JSON: " + e.getMessage());
        }
        if (!(json instanceof Map<?, ?> map)) throw new ModelFormatException(configFile, "expected a JSON object");
        try {
            return LlamaConfig.fromHfConfig(map);
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException(configFile, e.getMessage());
        }
    }

    /** Builds the model, turning the checkpoint errors raised inside {@link CheckpointWeights} back into checked ones. */
    private static LlamaModel build(LlamaConfig config, Rope.Layout layout, CheckpointWeights weights) throws ModelFormatException {
        try {
            return new LlamaModel(config, layout, weights);
        } catch (UncheckedIOException e) {
            if (e.getCause() instanceof ModelFormatException m) throw m;
            throw e;
        }
    }

    private static void checkLeftovers(List<String> names, Set<String> used, Set<String> ignorable,
                                       java.util.function.Function<String, Path> fileOf, LlamaConfig config) throws ModelFormatException {
        List<String> left = new ArrayList<>();
        for (String n : names) {
            if (used.contains(n) || ignorable.contains(n) || IGNORED_SUFFIXES.stream().anyMatch(n::endsWith)) continue;
            left.add(n);
        }
        if (!left.isEmpty()) {
            throw new ModelFormatException(fileOf.apply(left.getFirst()), left.size() + " tensor(s) the config does not account for (num_hidden_layers "
                    + config.layers() + ", tie_word_embeddings " + config.tieWordEmbeddings() + "): " + String.join(", ", left.subList(0, Math.min(5, left.size())))
                    + (left.size() > 5 ? ", ..." : ""));
        }
    }

    private static Path fileOf(TensorSource source, String name) {
        if (source instanceof ShardedCheckpoint sharded) {
            for (TensorSource shard : sharded.shards()) if (shard.contains(name) && shard instanceof SafetensorsFile file) return file.path();
            return sharded.index();
        }
        return ((SafetensorsFile) source).path();
    }

    /** The config fields a tensor's expected shape comes from, HF names. */
    static String configFields(LlamaConfig c, String name) {
        String d = "hidden_size " + c.hiddenSize();
        if (name.endsWith("embed_tokens.weight") || name.equals("lm_head.weight")) return "vocab_size " + c.vocabSize() + ", " + d;
        if (name.endsWith("k_proj.weight") || name.endsWith("v_proj.weight")) {
            return "num_key_value_heads " + c.kvHeads() + ", num_attention_heads " + c.heads() + ", " + d;
        }
        if (name.contains(".mlp.")) return "intermediate_size " + c.intermediateSize() + ", " + d;
        return d;
    }

    private static String ggufFields(LlamaConfig c, String name) {
        return configFields(c, name).replace("vocab_size", "vocabulary").replace("hidden_size", "llama.embedding_length")
                .replace("intermediate_size", "llama.feed_forward_length").replace("num_key_value_heads", "llama.attention.head_count_kv")
                .replace("num_attention_heads", "llama.attention.head_count");
    }

    private static String describe(LlamaConfig c) {
        return String.format("%d layers, hidden %d, FFN %d, %d heads (%d KV), vocab %d", c.layers(), c.hiddenSize(), c.intermediateSize(), c.heads(), c.kvHeads(), c.vocabSize());
    }

    private static String dtypes(TensorSource source, Set<String> names) {
        Map<DType, long[]> bytes = new TreeMap<>();
        for (String n : names) bytes.computeIfAbsent(source.info(n).dtype(), k -> new long[1])[0] += source.info(n).byteSize();
        StringBuilder sb = new StringBuilder();
        bytes.forEach((t, b) -> sb.append(sb.isEmpty() ? "" : ", ").append(t).append(' ').append(String.format("%.1f MiB", b[0] / 1048576.0)));
        return sb.toString();
    }
}
