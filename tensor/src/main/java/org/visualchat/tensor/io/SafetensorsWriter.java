package org.visualchat.tensor.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.visualchat.tensor.DType;
import org.visualchat.tensor.Tensor;

/**
 * Writes safetensors files byte-compatible with the reference writer (huggingface/safetensors
 * {@code tensor.rs}): tensors sorted by dtype alignment descending, then by name; compact JSON header
 * with {@code __metadata__} first and keys {@code dtype, shape, data_offsets}; header padded with
 * spaces to a multiple of 8 so every tensor's data is 8-byte aligned. Tensors are written in their
 * own dtype (convert with {@link Tensor#to} first if needed); non-contiguous views are fine. Files
 * are replaced atomically ({@link AtomicFile}).
 */
public final class SafetensorsWriter {
    private SafetensorsWriter() {}

    public static void write(Path file, Map<String, Tensor> tensors) throws IOException {
        write(file, tensors, Map.of());
    }

    public static void write(Path file, Map<String, Tensor> tensors, Map<String, String> metadata) throws IOException {
        Map<String, Spec> specs = new LinkedHashMap<>();
        tensors.forEach((name, t) -> specs.put(name, new Spec(t.dtype(), t.shape())));
        writeStreaming(file, specs, metadata, tensors::get);
    }

    /** Dtype and shape of a tensor that {@link #writeStreaming} will ask its producer for. */
    public record Spec(DType dtype, int[] shape) {
        long bytes() {
            long n = 1;
            for (int d : shape) n *= d;
            return dtype.byteSize(n);
        }
    }

    /**
     * Like {@link #write(Path, Map, Map)}, but the tensors are produced one at a time, in file order, and
     * dropped after writing, so a file larger than memory can be assembled (checkpoint consolidation). Each
     * produced tensor must match its spec.
     */
    public static void writeStreaming(Path file, Map<String, Spec> specs, Map<String, String> metadata,
                                      java.util.function.Function<String, Tensor> producer) throws IOException {
        for (Map.Entry<String, Spec> e : specs.entrySet()) checkStorable(e.getKey(), e.getValue().dtype());
        List<Map.Entry<String, Spec>> order = new ArrayList<>(specs.entrySet());
        order.sort(Comparator.comparingInt((Map.Entry<String, Spec> e) -> -alignmentRank(e.getValue().dtype()))
                .thenComparing(Map.Entry::getKey));
        byte[] header = header(order, metadata);
        AtomicFile.write(file, channel -> {
            TensorBytes.writeFully(channel, ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, header.length));
            TensorBytes.writeFully(channel, ByteBuffer.wrap(header));
            for (Map.Entry<String, Spec> e : order) {
                Tensor t = producer.apply(e.getKey());
                Spec want = e.getValue();
                if (t == null || t.dtype() != want.dtype() || !Arrays.equals(t.shape(), want.shape())) {
                    throw new IllegalArgumentException("tensor '" + e.getKey() + "' was declared " + want.dtype() + Arrays.toString(want.shape())
                            + " but produced as " + (t == null ? "nothing" : t.dtype() + Arrays.toString(t.shape())));
                }
                TensorBytes.write(channel, t);
            }
        });
    }

    /**
     * Rank in the reference's {@code Dtype} enum, which is ordered by alignment (…, F16, BF16, I32,
     * U32, F32, F64, I64, U64); ties in alignment (F32 vs I32) keep that enum order too.
     */
    private static int alignmentRank(DType dtype) {
        return switch (dtype) {
            case F16 -> 0;
            case BF16 -> 1;
            case I32 -> 2;
            case F32 -> 3;
            case I64 -> 4;
            case Q8_0, Q4_0 -> throw new IllegalStateException("checked by checkStorable");
        };
    }

    private static void checkStorable(String name, DType dtype) {
        if (name.equals("__metadata__")) throw new IllegalArgumentException("\"__metadata__\" is reserved and cannot name a tensor");
        if (dtype.isQuantized()) {
            throw new IllegalArgumentException("tensor '" + name + "' is " + dtype + ", which safetensors cannot store (use GGUF, or convert with to(F32/BF16))");
        }
    }

    private static byte[] header(List<Map.Entry<String, Spec>> order, Map<String, String> metadata) {
        Map<String, Object> root = new LinkedHashMap<>();
        if (!metadata.isEmpty()) root.put("__metadata__", new LinkedHashMap<>(metadata));
        long offset = 0;
        for (Map.Entry<String, Spec> e : order) {
            Spec t = e.getValue();
            long bytes = t.bytes();
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("dtype", t.dtype().name());
            List<Object> shape = new ArrayList<>();
            for (int d : t.shape()) shape.add((long) d);
            entry.put("shape", shape);
            entry.put("data_offsets", List.of(offset, offset + bytes));
            root.put(e.getKey(), entry);
            offset += bytes;
        }
        byte[] json = Json.write(root).getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;
        byte[] header = Arrays.copyOf(json, padded);
        Arrays.fill(header, json.length, padded, (byte) ' ');
        return header;
    }

    /**
     * Writes {@code tensors} as shards of at most {@code maxShardBytes} of tensor data each (one
     * larger tensor gets a shard of its own), named {@code model-00001-of-0000N.safetensors}, plus a
     * {@value Safetensors#INDEX_FILE} with {@code metadata.total_size} and {@code weight_map}, as
     * transformers' {@code save_pretrained} does; tensors are assigned in map iteration order. A
     * checkpoint that fits in one shard is written as a single {@value Safetensors#SINGLE_FILE} with
     * no index, also as transformers does. The index is written last, so it never names a shard that
     * is not yet complete. Returns the path to pass to {@link Safetensors#open}.
     */
    public static Path writeSharded(Path directory, Map<String, Tensor> tensors, Map<String, String> metadata, long maxShardBytes) throws IOException {
        if (maxShardBytes <= 0) throw new IllegalArgumentException("maxShardBytes must be positive, got " + maxShardBytes);
        List<Map<String, Tensor>> shards = new ArrayList<>();
        long shardBytes = 0, total = 0;
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            long bytes = e.getValue().dtype().byteSize(e.getValue().numel());
            if (shards.isEmpty() || (shardBytes + bytes > maxShardBytes && shardBytes > 0)) {
                shards.add(new LinkedHashMap<>());
                shardBytes = 0;
            }
            shards.getLast().put(e.getKey(), e.getValue());
            shardBytes += bytes;
            total += bytes;
        }
        if (shards.size() <= 1) {
            Path single = directory.resolve(Safetensors.SINGLE_FILE);
            write(single, tensors, metadata);
            return single;
        }
        Map<String, Object> weightMap = new TreeMap<>();
        for (int i = 0; i < shards.size(); i++) {
            String name = String.format("model-%05d-of-%05d.safetensors", i + 1, shards.size());
            write(directory.resolve(name), shards.get(i), metadata);
            for (String tensor : shards.get(i).keySet()) weightMap.put(tensor, name);
        }
        Map<String, Object> index = new LinkedHashMap<>();
        index.put("metadata", Map.of("total_size", total));
        index.put("weight_map", weightMap);
        Path indexFile = directory.resolve(Safetensors.INDEX_FILE);
        byte[] json = (Json.writePretty(index) + "\n").getBytes(StandardCharsets.UTF_8);
        AtomicFile.write(indexFile, channel -> TensorBytes.writeFully(channel, ByteBuffer.wrap(json)));
        return indexFile;
    }
}
