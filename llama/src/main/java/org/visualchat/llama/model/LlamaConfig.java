package org.visualchat.llama.model;

import org.visualchat.tensor.io.GgufMetadata;
import org.visualchat.tensor.io.Json;

import java.util.Map;

/**
 * The shape of a LLaMA decoder (Hugging Face {@code LlamaConfig} fields, formats.md §1.2). Built from a
 * HF {@code config.json} or from GGUF {@code llama.*} metadata; every constructor validates, and a bad
 * value fails with the source and the field named.
 *
 * @param hiddenSize        model width d ({@code hidden_size})
 * @param intermediateSize  SwiGLU width f ({@code intermediate_size})
 * @param layers            decoder layers ({@code num_hidden_layers})
 * @param heads             query heads h ({@code num_attention_heads})
 * @param kvHeads           key/value heads (grouped-query attention when fewer than heads)
 * @param rmsNormEps        RMSNorm epsilon
 * @param ropeTheta         RoPE base
 * @param vocabSize         rows of the embedding table and of the LM head
 * @param maxPositions      context length the model was trained for ({@code max_position_embeddings})
 * @param tieWordEmbeddings whether the LM head is the embedding table
 */
public record LlamaConfig(int hiddenSize, int intermediateSize, int layers, int heads, int kvHeads, float rmsNormEps,
                          float ropeTheta, int vocabSize, int maxPositions, boolean tieWordEmbeddings) {

    public LlamaConfig {
        positive("hidden_size", hiddenSize);
        positive("intermediate_size", intermediateSize);
        positive("num_hidden_layers", layers);
        positive("num_attention_heads", heads);
        positive("num_key_value_heads", kvHeads);
        positive("vocab_size", vocabSize);
        positive("max_position_embeddings", maxPositions);
        if (hiddenSize % heads != 0) throw new IllegalArgumentException("hidden_size " + hiddenSize + " is not a multiple of num_attention_heads " + heads);
        if ((hiddenSize / heads) % 2 != 0) throw new IllegalArgumentException("head dimension " + hiddenSize / heads + " (hidden_size / num_attention_heads) must be even for RoPE");
        if (heads % kvHeads != 0) throw new IllegalArgumentException("num_attention_heads " + heads + " is not a multiple of num_key_value_heads " + kvHeads);
        if (!(rmsNormEps > 0) || Float.isInfinite(rmsNormEps)) throw new IllegalArgumentException("rms_norm_eps must be a positive number, got " + rmsNormEps);
        if (!(ropeTheta > 0) || Float.isInfinite(ropeTheta)) throw new IllegalArgumentException("rope_theta must be a positive number, got " + ropeTheta);
    }

    /** LLaMA-2 defaults for the fields a small test model does not care about. */
    public static LlamaConfig of(int hiddenSize, int intermediateSize, int layers, int heads, int kvHeads, int vocabSize) {
        return new LlamaConfig(hiddenSize, intermediateSize, layers, heads, kvHeads, 1e-5f, 10000f, vocabSize, 4096, false);
    }

    /** This configuration with another RoPE base ({@code rope_theta}). */
    public LlamaConfig withRopeTheta(float theta) {
        return new LlamaConfig(hiddenSize, intermediateSize, layers, heads, kvHeads, rmsNormEps, theta, vocabSize, maxPositions, tieWordEmbeddings);
    }

    public int headDim() { return hiddenSize / heads; }

    /** Width of the key and value projections: kvHeads · headDim. */
    public int kvDim() { return kvHeads * headDim(); }

    /** Weights of one layer's matrices, one multiply-add each per position: q and o (d·d), k and v (kvDim·d), gate, up and down (d·f). */
    public long layerMatrixWeights() {
        return 2L * hiddenSize * hiddenSize + 2L * kvDim() * hiddenSize + 3L * hiddenSize * intermediateSize;
    }

    /**
     * Multiply-adds of a forward pass over one sequence of {@code positions}, logits at every position: the layers'
     * matrices and the lm_head once per position, and per layer causal attention's q·kᵀ and p·v, positions²/2 ·
     * hidden each. A cost estimate (norms, RoPE, softmax left out); the backward pass costs about twice as much.
     */
    public long forwardMultiplyAdds(int positions) {
        long p = positions;
        return p * (layers * layerMatrixWeights() + (long) vocabSize * hiddenSize) + layers * p * p * hiddenSize;
    }

    /**
     * The parsed {@code config.json} object. Absent optional fields take HF's {@code LlamaConfig}
     * defaults (num_key_value_heads = heads, rms_norm_eps 1e-6, rope_theta 10000,
     * max_position_embeddings 2048, tie_word_embeddings false).
     */
    public static LlamaConfig fromHfConfig(Map<?, ?> json) {
        Object scaling = json.get("rope_scaling");
        if (scaling != null) throw new IllegalArgumentException("rope_scaling " + Json.write(scaling) + " is not supported (LLaMA-2 uses none)");
        int heads = intField(json, "num_attention_heads", null);
        return new LlamaConfig(
                intField(json, "hidden_size", null),
                intField(json, "intermediate_size", null),
                intField(json, "num_hidden_layers", null),
                heads,
                intField(json, "num_key_value_heads", heads),
                (float) numberField(json, "rms_norm_eps", 1e-6),
                (float) numberField(json, "rope_theta", 10000),
                intField(json, "vocab_size", null),
                intField(json, "max_position_embeddings", 2048),
                boolField(json, "tie_word_embeddings", false));
    }

    /**
     * GGUF {@code llama.*} metadata (formats.md §1.5). The vocabulary size comes from
     * {@code llama.vocab_size}, else from the {@code tokenizer.ggml.tokens} list, else from
     * {@code embeddingRows} (the token_embd rows); whether the head is tied is decided by the loader.
     */
    public static LlamaConfig fromGguf(GgufMetadata meta, int embeddingRows, boolean tied) {
        if (meta.contains("general.architecture") && !"llama".equals(meta.getString("general.architecture"))) {
            throw new IllegalArgumentException("general.architecture is '" + meta.getString("general.architecture") + "', expected 'llama'");
        }
        int heads = ggufInt(meta, "llama.attention.head_count", null);
        int vocab = meta.contains("llama.vocab_size") ? ggufInt(meta, "llama.vocab_size", null)
                : meta.contains("tokenizer.ggml.tokens") ? meta.getList("tokenizer.ggml.tokens").size() : embeddingRows;
        return new LlamaConfig(
                ggufInt(meta, "llama.embedding_length", null),
                ggufInt(meta, "llama.feed_forward_length", null),
                ggufInt(meta, "llama.block_count", null),
                heads,
                ggufInt(meta, "llama.attention.head_count_kv", heads),
                (float) meta.getDouble("llama.attention.layer_norm_rms_epsilon", 1e-5),
                (float) meta.getDouble("llama.rope.freq_base", 10000),
                vocab,
                ggufInt(meta, "llama.context_length", 4096),
                tied);
    }

    /**
     * Meta's {@code params.json} (formats.md §1.4): dim, n_layers, n_heads, n_kv_heads (default n_heads),
     * norm_eps, rope_theta (default 10000), vocab_size (-1 = {@code embeddingRows}); the FFN width is
     * Meta's rule multiple_of·⌈m·⌊8·dim/3⌋ / multiple_of⌉ with m = ffn_dim_multiplier (default 1).
     */
    public static LlamaConfig fromMetaParams(Map<?, ?> json, int embeddingRows) {
        int dim = intField(json, "dim", null), heads = intField(json, "n_heads", null), multipleOf = intField(json, "multiple_of", 256);
        positive("multiple_of", multipleOf);
        long ffn = (long) (numberField(json, "ffn_dim_multiplier", 1) * (8L * dim / 3));
        ffn = (ffn + multipleOf - 1) / multipleOf * multipleOf;
        int vocab = intField(json, "vocab_size", -1);
        return new LlamaConfig(dim, Math.toIntExact(ffn), intField(json, "n_layers", null), heads, intField(json, "n_kv_heads", heads),
                (float) numberField(json, "norm_eps", 1e-5), (float) numberField(json, "rope_theta", 10000),
                vocab > 0 ? vocab : embeddingRows, intField(json, "max_seq_len", 4096), false);
    }

    /** The {@code config.json} object for this shape (what HF writes, minus bookkeeping fields). */
    public Map<String, Object> toHfConfig() {
        return Map.ofEntries(
                Map.entry("architectures", java.util.List.of("LlamaForCausalLM")),
                Map.entry("model_type", "llama"),
                Map.entry("hidden_size", hiddenSize),
                Map.entry("intermediate_size", intermediateSize),
                Map.entry("num_hidden_layers", layers),
                Map.entry("num_attention_heads", heads),
                Map.entry("num_key_value_heads", kvHeads),
                Map.entry("rms_norm_eps", (double) rmsNormEps),
                Map.entry("rope_theta", (double) ropeTheta),
                Map.entry("vocab_size", vocabSize),
                Map.entry("max_position_embeddings", maxPositions),
                Map.entry("tie_word_embeddings", tieWordEmbeddings));
    }

    private static void positive(String field, int value) {
        if (value <= 0) throw new IllegalArgumentException(field + " must be positive, got " + value);
    }

    private static int intField(Map<?, ?> json, String key, Integer fallback) {
        Object v = json.get(key);
        if (v == null) {
            if (fallback == null) throw new IllegalArgumentException("missing field " + key);
            return fallback;
        }
        if (!(v instanceof Number n) || n instanceof Double || n.longValue() != n.doubleValue() || n.longValue() > Integer.MAX_VALUE || n.longValue() < Integer.MIN_VALUE) {
            throw new IllegalArgumentException("field " + key + " must be an integer, got " + Json.write(v));
        }
        return n.intValue();
    }

    private static double numberField(Map<?, ?> json, String key, double fallback) {
        Object v = json.get(key);
        if (v == null) return fallback;
        if (!(v instanceof Number n)) throw new IllegalArgumentException("field " + key + " must be a number, got " + Json.write(v));
        return n.doubleValue();
    }

    private static boolean boolField(Map<?, ?> json, String key, boolean fallback) {
        Object v = json.get(key);
        if (v == null) return fallback;
        if (!(v instanceof Boolean b)) throw new IllegalArgumentException("field " + key + " must be true or false, got " + Json.write(v));
        return b;
    }

    private static int ggufInt(GgufMetadata meta, String key, Integer fallback) {
        if (!meta.contains(key)) {
            if (fallback == null) throw new IllegalArgumentException("missing GGUF key " + key);
            return fallback;
        }
        long v = meta.getLong(key);
        if (v > Integer.MAX_VALUE || v < Integer.MIN_VALUE) throw new IllegalArgumentException("GGUF key " + key + " = " + v + " is out of range");
        return (int) v;
    }
}
