package org.visualchat.llama.load;

import org.visualchat.llama.model.LlamaConfig;
import org.visualchat.llama.model.LlamaModel;
import org.visualchat.tensor.DType;
import org.visualchat.tensor.io.GgufFile;
import org.visualchat.tensor.io.Json;
import org.visualchat.tensor.io.JsonException;
import org.visualchat.tensor.io.SafetensorsFile;
import org.visualchat.tensor.io.ShardedCheckpoint;
import org.visualchat.tensor.io.TensorSource;
import org.visualchat.tensor.io.TorchCheckpoint;
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
 *   <li>a Hugging Face directory: {@code config.json} + {@code model.safetensors},
 *       {@code model.safetensors.index.json} shards, or {@code pytorch_model.bin} (+ index); HF RoPE layout;</li>
 *   <li>a llama.cpp {@code .gguf} file (F32/F16/BF16/Q8_0/Q4_0), config from its {@code llama.*} metadata;</li>
 *   <li>Meta's release: {@code params.json} + {@code consolidated.NN.pth} (see {@link MetaCheckpoint}).</li>
 * </ul>
 * GGUF and Meta keep q/k rows in Meta order, so those models rotate interleaved pairs (see {@link LlamaModel}).
 * Every problem is a {@link ModelFormatException} naming the file and the tensor or field: a missing
 * tensor, a shape the config does not imply, an unsupported dtype, or tensors left over (the config
 * describes fewer layers than the weights hold).
 */
public final class LlamaLoader {
    private LlamaLoader() {}

    /** Tensors some exporters add that a LLaMA forward pass does not use. */
    private static final Set<String> IGNORED_SUFFIXES = Set.of("rotary_emb.inv_freq", "rope_freqs.weight", "rope.freqs");

    /** A model directory, a {@code .gguf} file, or a safetensors/torch file or index next to its config.json. */
    public static LoadedModel load(Path path, Consumer<String> progress) throws IOException {
        if (Files.isRegularFile(path) && path.getFileName().toString().endsWith(".gguf")) return loadGguf(path, progress);
        if (Files.isDirectory(path)) {
            if (Files.exists(path.resolve("config.json"))) return loadHf(path.resolve("config.json"), path, progress);
            if (Files.exists(path.resolve("params.json"))) return loadMeta(path, progress);
            List<Path> ggufs;
            try (Stream<Path> files = Files.list(path)) {
                ggufs = files.filter(p -> p.getFileName().toString().endsWith(".gguf")).sorted().toList();
            }
            if (ggufs.size() == 1) return loadGguf(ggufs.getFirst(), progress);
            String named = path.getFileName() != null && path.getFileName().toString().endsWith(".gguf") ? "a directory, not a .gguf file, and " : "";
            throw new ModelFormatException(path, named + "not a LLaMA checkpoint directory: expected config.json with weights, params.json with consolidated.*.pth, or exactly one .gguf file (found "
                    + ggufs.size() + " .gguf files)");
        }
        if (!Files.exists(path)) throw new ModelFormatException(path, "does not exist");
        Path config = path.toAbsolutePath().getParent().resolve("config.json");
        if (!Files.exists(config)) throw new ModelFormatException(path, "not a LLaMA checkpoint: expected a model directory, a .gguf file, or a weights file next to its config.json");
        return loadHf(config, path, progress);
    }

    private static LoadedModel loadHf(Path configFile, Path weightsPath, Consumer<String> progress) throws IOException {
        LlamaConfig config;
        try {
            config = LlamaConfig.fromHfConfig(readJsonObject(configFile));
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException(configFile, e.getMessage());
        }
        progress.accept("config " + configFile + ": " + describe(config));
        TensorSource source = TensorSource.open(weightsPath);
        try {
            Path described = source instanceof ShardedCheckpoint s ? s.index() : pathOf(source);
            CheckpointWeights weights = new CheckpointWeights(source, n -> fileOf(source, n), n -> n, n -> configFields(config, n), described);
            Set<String> ignorable = config.tieWordEmbeddings() ? Set.of("lm_head.weight") : Set.of();
            return finish(config, Rope.Layout.HALF, weights, source, ignorable, weightsPath, "safetensors/torch", progress);
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
            CheckpointWeights weights = new CheckpointWeights(gguf, n -> file, TensorNames::toGguf, n -> ggufFields(config, n), file);
            return finish(config, Rope.Layout.INTERLEAVED, weights, gguf, Set.of(), file, "gguf", progress);
        } catch (IOException | RuntimeException e) {
            gguf.close();
            throw e;
        }
    }

    private static LoadedModel loadMeta(Path dir, Consumer<String> progress) throws IOException {
        Path paramsFile = dir.resolve("params.json");
        Map<?, ?> params = readJsonObject(paramsFile);
        List<Path> files = MetaCheckpoint.shardFiles(dir);
        if (files.isEmpty()) throw new ModelFormatException(dir, "params.json but no consolidated.NN.pth files");
        MetaCheckpoint source = MetaCheckpoint.open(files);
        try {
            if (!source.contains("tok_embeddings.weight")) throw new ModelFormatException(source.path(), "missing tensor tok_embeddings.weight (model.embed_tokens.weight)");
            LlamaConfig config;
            try {
                config = LlamaConfig.fromMetaParams(params, source.info("tok_embeddings.weight").shape()[0]);
            } catch (IllegalArgumentException e) {
                throw new ModelFormatException(paramsFile, e.getMessage());
            }
            progress.accept("config " + paramsFile + ": " + describe(config) + (files.size() > 1 ? "; " + files.size() + " shards, concatenated in memory" : ""));
            CheckpointWeights weights = new CheckpointWeights(source, n -> source.path(), TensorNames::toMeta, n -> metaFields(config, n), source.path());
            return finish(config, Rope.Layout.INTERLEAVED, weights, source, Set.of(), dir, "meta", progress);
        } catch (IOException | RuntimeException e) {
            source.close();
            throw e;
        }
    }

    /** Builds the model (turning checkpoint errors back into checked ones), checks for left-over tensors, reports. */
    private static LoadedModel finish(LlamaConfig config, Rope.Layout layout, CheckpointWeights weights, TensorSource source,
                                      Set<String> ignorable, Path origin, String format, Consumer<String> progress) throws IOException {
        LlamaModel model;
        try {
            model = new LlamaModel(config, layout, weights);
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        List<String> left = new ArrayList<>();
        for (String n : source.names()) {
            if (!weights.used().contains(n) && !ignorable.contains(n) && IGNORED_SUFFIXES.stream().noneMatch(n::endsWith)) left.add(n);
        }
        if (!left.isEmpty()) {
            throw new ModelFormatException(fileOf(source, left.getFirst()), left.size() + " tensor(s) the config does not account for (num_hidden_layers "
                    + config.layers() + ", tie_word_embeddings " + config.tieWordEmbeddings() + "): " + String.join(", ", left.subList(0, Math.min(5, left.size())))
                    + (left.size() > 5 ? ", ..." : ""));
        }
        progress.accept("mapped " + weights.used().size() + " tensors from " + origin + " (" + dtypes(source, weights.used()) + ")");
        return new LoadedModel(model, origin, format, source);
    }

    private static Map<?, ?> readJsonObject(Path file) throws IOException {
        Object json;
        try {
            json = Json.parseUtf8(Files.readAllBytes(file));
        } catch (JsonException e) {
            throw new ModelFormatException(file, "not valid JSON: " + e.getMessage());
        }
        if (!(json instanceof Map<?, ?> map)) throw new ModelFormatException(file, "expected a JSON object");
        return map;
    }

    private static Path fileOf(TensorSource source, String name) {
        if (source instanceof ShardedCheckpoint sharded) {
            for (TensorSource shard : sharded.shards()) if (shard.contains(name)) return pathOf(shard);
            return sharded.index();
        }
        return pathOf(source);
    }

    private static Path pathOf(TensorSource source) {
        return switch (source) {
            case SafetensorsFile f -> f.path();
            case TorchCheckpoint f -> f.path();
            case GgufFile f -> f.path();
            case MetaCheckpoint f -> f.path();
            default -> throw new IllegalArgumentException("unexpected tensor source " + source.getClass().getSimpleName());
        };
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
        return renamed(configFields(c, name), "vocabulary", "llama.embedding_length", "llama.feed_forward_length",
                "llama.attention.head_count_kv", "llama.attention.head_count");
    }

    private static String metaFields(LlamaConfig c, String name) {
        return renamed(configFields(c, name), "vocab_size", "dim", "FFN width from dim, multiple_of, ffn_dim_multiplier", "n_kv_heads", "n_heads");
    }

    private static String renamed(String fields, String vocab, String hidden, String ffn, String kvHeads, String heads) {
        return fields.replace("vocab_size", vocab).replace("hidden_size", hidden).replace("intermediate_size", ffn)
                .replace("num_key_value_heads", kvHeads).replace("num_attention_heads", heads);
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
