package org.visualchat.llama.load;

import org.visualchat.llama.model.LlamaConfig;
import org.visualchat.tensor.DType;
import org.visualchat.tensor.Tensor;
import org.visualchat.tensor.io.GgufType;
import org.visualchat.tensor.io.GgufValue;
import org.visualchat.tensor.io.GgufWriter;
import org.visualchat.tensor.io.Json;
import org.visualchat.tensor.io.SafetensorsWriter;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Writes LLaMA checkpoints in the two layouts {@link LlamaLoader} reads, from tensors under their HF
 * names in HF row order: a Hugging Face directory (config.json + safetensors, optionally sharded) and
 * a llama.cpp GGUF file (Meta q/k row order, llama.* metadata, matrices in a chosen type). Used by the
 * tests (no real checkpoint is available offline) and by the benchmarks.
 */
public final class LlamaCheckpoints {
    private LlamaCheckpoints() {}

    /**
     * {@code dir}/config.json + model.safetensors, or model-0000N-of-0000M.safetensors + index when the
     * tensors exceed {@code maxShardBytes}. Tensors are written in their own dtype; a tied model's
     * {@code lm_head.weight} is left out, as transformers does.
     */
    public static void writeHf(Path dir, LlamaConfig config, Map<String, Tensor> weights, long maxShardBytes) throws IOException {
        Files.createDirectories(dir);
        Map<String, Tensor> tensors = new LinkedHashMap<>(weights);
        if (config.tieWordEmbeddings()) tensors.remove("lm_head.weight");
        long total = 0;
        for (Tensor t : tensors.values()) total += t.dtype().byteSize(t.numel());
        Map<String, String> metadata = Map.of("format", "pt");
        if (total > maxShardBytes) SafetensorsWriter.writeSharded(dir, tensors, metadata, maxShardBytes);
        else SafetensorsWriter.write(dir.resolve("model.safetensors"), tensors, metadata);
        Path temp = dir.resolve("config.json.tmp");
        Files.writeString(temp, Json.writePretty(config.toHfConfig()), StandardCharsets.UTF_8);
        Files.move(temp, dir.resolve("config.json"), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /**
     * A GGUF file as llama.cpp's converter writes it: llama.cpp names, q/k rows permuted to Meta's
     * interleaved order, 2-D weights stored as {@code matrixType} (F32/F16/BF16/Q8_0/Q4_0), norm weights
     * F32, no {@code output.weight} for a tied model. The same source tensor given under several names
     * is converted once (benchmarks reuse one random matrix for every layer).
     */
    public static void writeGguf(Path file, LlamaConfig config, Map<String, Tensor> weights, DType matrixType) throws IOException {
        writeGguf(file, config, weights, matrixType, Map.of());
    }

    /** As {@link #writeGguf(Path, LlamaConfig, Map, DType)}, plus metadata entries (e.g. a {@code tokenizer.ggml.*} vocabulary). */
    public static void writeGguf(Path file, LlamaConfig config, Map<String, Tensor> weights, DType matrixType, Map<String, GgufValue> extraMetadata) throws IOException {
        GgufWriter writer = new GgufWriter()
                .put("general.architecture", GgufValue.string("llama"))
                .put("general.name", GgufValue.string("visualchat-j llama"))
                .put("llama.context_length", GgufValue.u32(config.maxPositions()))
                .put("llama.embedding_length", GgufValue.u32(config.hiddenSize()))
                .put("llama.block_count", GgufValue.u32(config.layers()))
                .put("llama.feed_forward_length", GgufValue.u32(config.intermediateSize()))
                .put("llama.rope.dimension_count", GgufValue.u32(config.headDim()))
                .put("llama.attention.head_count", GgufValue.u32(config.heads()))
                .put("llama.attention.head_count_kv", GgufValue.u32(config.kvHeads()))
                .put("llama.attention.layer_norm_rms_epsilon", GgufValue.f32(config.rmsNormEps()))
                .put("llama.rope.freq_base", GgufValue.f32(config.ropeTheta()))
                .put("llama.vocab_size", GgufValue.u32(config.vocabSize()));
        if (matrixType.isQuantized()) writer.put("general.quantization_version", GgufValue.u32(2));
        extraMetadata.forEach(writer::put);
        Map<Tensor, Tensor> converted = new IdentityHashMap<>(), permutedQ = new IdentityHashMap<>(), permutedK = new IdentityHashMap<>();
        for (Map.Entry<String, Tensor> e : weights.entrySet()) {
            String name = e.getKey();
            if (config.tieWordEmbeddings() && name.equals("lm_head.weight")) continue;
            Tensor t = e.getValue();
            if (t.rank() == 1) {
                writer.addTensor(TensorNames.toGguf(name), t.dtype() == DType.F32 ? t : t.to(DType.F32));
                continue;
            }
            if (TensorNames.isRotated(name)) {
                boolean q = name.endsWith("q_proj.weight");
                int heads = q ? config.heads() : config.kvHeads();
                t = (q ? permutedQ : permutedK).computeIfAbsent(t, x -> toMetaOrder(x, heads));
            }
            writer.addTensor(TensorNames.toGguf(name), converted.computeIfAbsent(t, x -> convert(x, matrixType)));
        }
        writer.write(file);
    }

    /**
     * A SentencePiece-shaped vocabulary (ids 0–2 unk/bos/eos, 3–258 the byte pieces, then placeholder
     * pieces) so that llama.cpp, which refuses a GGUF without one, can run the same file for comparison.
     */
    public static Map<String, GgufValue> placeholderVocabulary(int size) {
        List<String> tokens = new ArrayList<>(size);
        List<Float> scores = new ArrayList<>(size);
        List<Integer> types = new ArrayList<>(size);
        for (int id = 0; id < size; id++) {
            String piece = id == 0 ? "<unk>" : id == 1 ? "<s>" : id == 2 ? "</s>" : id < 259 ? String.format("<0x%02X>", id - 3) : "\u2581t" + id;
            tokens.add(piece);
            scores.add(id < 259 ? 0f : -(id - 259f));
            types.add(id == 0 ? 2 : id < 3 ? 3 : id < 259 ? 6 : 1);
        }
        return Map.of("tokenizer.ggml.model", GgufValue.string("llama"),
                "tokenizer.ggml.tokens", GgufValue.array(GgufType.STRING, tokens),
                "tokenizer.ggml.scores", GgufValue.array(GgufType.FLOAT32, scores),
                "tokenizer.ggml.token_type", GgufValue.array(GgufType.INT32, types),
                "tokenizer.ggml.unknown_token_id", GgufValue.u32(0),
                "tokenizer.ggml.bos_token_id", GgufValue.u32(1),
                "tokenizer.ggml.eos_token_id", GgufValue.u32(2));
    }

    /**
     * HF → Meta row order of a q or k weight [heads·hd, in]: within each head HF row c·hd/2 + i holds
     * Meta row 2i + c (formats.md §1.3), so view [heads, 2, hd/2, in] and swap the middle axes.
     */
    public static Tensor toMetaOrder(Tensor w, int heads) {
        int rows = w.dim(0), in = w.dim(1), hd = rows / heads;
        Tensor plain = w.dtype().isQuantized() ? w.to(DType.F32) : w;
        return plain.reshape(heads, 2, hd / 2, in).transpose(1, 2).contiguous().reshape(rows, in);
    }

    private static Tensor convert(Tensor t, DType type) {
        if (t.dtype() == type) return t;
        return (t.dtype().isQuantized() ? t.to(DType.F32) : t).to(type);
    }
}
