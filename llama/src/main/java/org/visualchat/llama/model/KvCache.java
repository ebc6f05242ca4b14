package org.visualchat.llama.model;

import org.visualchat.tensor.DType;
import org.visualchat.tensor.Tensor;

/**
 * Keys and values of every layer for positions [0, length), preallocated once for {@code capacity}
 * positions: per layer a [B, Hkv, capacity, D] tensor each for k (after RoPE) and v, F32 or BF16 (half
 * the memory; values are rounded once when written). All sequences of the batch share one length.
 *
 * <pre>{@code
 * KvCache cache = model.newCache(1, 4096, DType.BF16);
 * Tensor logits = model.forward(embeds, cache, null, false);   // prefill: cache.length() == S
 * }</pre>
 */
public final class KvCache {
    private final Tensor[] keys;
    private final Tensor[] values;
    private final int batch;
    private final int capacity;
    private int length;

    public KvCache(LlamaConfig config, int batch, int capacity, DType dtype) {
        if (dtype != DType.F32 && dtype != DType.BF16) throw new IllegalArgumentException("KV cache dtype must be F32 or BF16, got " + dtype);
        if (batch < 1 || capacity < 1) throw new IllegalArgumentException("KV cache needs batch >= 1 and capacity >= 1, got " + batch + " and " + capacity);
        this.batch = batch;
        this.capacity = capacity;
        this.keys = new Tensor[config.layers()];
        this.values = new Tensor[config.layers()];
        for (int l = 0; l < config.layers(); l++) {
            keys[l] = Tensor.zeros(dtype, batch, config.kvHeads(), capacity, config.headDim());
            values[l] = Tensor.zeros(dtype, batch, config.kvHeads(), capacity, config.headDim());
        }
    }

    /** Positions stored (the absolute position of the next token). */
    public int length() { return length; }

    public int capacity() { return capacity; }

    public int batch() { return batch; }

    public DType dtype() { return keys[0].dtype(); }

    /** Memory the preallocated keys and values take, all layers. */
    public long bytes() {
        return 2L * keys.length * dtype().byteSize(keys[0].numel());
    }

    /** Forgets positions from {@code newLength} on (e.g. to re-run a changed suffix). */
    public void truncate(int newLength) {
        if (newLength < 0 || newLength > length) throw new IllegalArgumentException("truncate to " + newLength + " outside [0, " + length + "]");
        length = newLength;
    }

    /** Keys of {@code layer} for positions [0, positions): a view [B, Hkv, positions, D]. */
    public Tensor keys(int layer, int positions) {
        return keys[layer].narrow(2, 0, positions);
    }

    /** Values of {@code layer} for positions [0, positions): a view [B, Hkv, positions, D]. */
    public Tensor values(int layer, int positions) {
        return values[layer].narrow(2, 0, positions);
    }

    /** Checks that {@code batchSize} sequences of {@code count} more positions fit; called before a forward pass. */
    void reserve(int batchSize, int count) {
        if (batchSize != batch) throw new IllegalArgumentException("the KV cache holds batch " + batch + ", the input has batch " + batchSize);
        if ((long) length + count > capacity) {
            throw new IllegalArgumentException("KV cache full: " + length + " positions stored + " + count + " new > capacity " + capacity);
        }
    }

    /** Stores k, v [B, Hkv, S, D] of {@code layer} at positions [length, length + S). */
    void write(int layer, Tensor k, Tensor v) {
        copyRows(k, keys[layer]);
        copyRows(v, values[layer]);
    }

    /** Per (sequence, head) the S new rows are one contiguous block in the cache: one block copy each. */
    private void copyRows(Tensor src, Tensor cache) {
        int s = src.dim(2);
        for (int b = 0; b < src.dim(0); b++) {
            for (int h = 0; h < src.dim(1); h++) src.select(0, b).select(0, h).copyTo(cache.select(0, b).select(0, h).narrow(0, length, s));
        }
    }

    /** After all layers have written: the S new positions become part of the context. */
    void advance(int s) {
        length += s;
    }
}
