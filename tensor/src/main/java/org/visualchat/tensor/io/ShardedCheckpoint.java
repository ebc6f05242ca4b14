package org.visualchat.tensor.io;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.visualchat.tensor.Tensor;

/**
 * A checkpoint split over several files by a Hugging Face index ({@code model.safetensors.index.json}
 * or {@code pytorch_model.bin.index.json}: {@code {"metadata": {...}, "weight_map": {tensor name: shard
 * file name}}}, formats.md §1.1). Shards may be safetensors or {@code torch.save} files
 * ({@link TensorSource#open} tells them apart by content).
 * Every shard named by the index is opened and validated up front, and every tensor the index names
 * must exist in the shard it points at, so a broken checkpoint fails at open, naming the index, the
 * tensor and the shard. Tensors a shard holds but the index does not name are not visible, as in
 * transformers.
 */
public final class ShardedCheckpoint implements TensorSource {
    private final Path index;
    private final Map<String, Object> metadata;
    private final Map<String, TensorSource> shardOf;
    private final List<TensorSource> shards;

    private ShardedCheckpoint(Path index, Map<String, Object> metadata, Map<String, TensorSource> shardOf, List<TensorSource> shards) {
        this.index = index;
        this.metadata = metadata;
        this.shardOf = shardOf;
        this.shards = shards;
    }

    public static ShardedCheckpoint open(Path indexFile) throws IOException {
        if (!(Json.read(indexFile) instanceof Map<?, ?> root)) throw new TensorFileException(indexFile, "index is not a JSON object");
        if (!(root.get("weight_map") instanceof Map<?, ?> weightMap)) throw new TensorFileException(indexFile, "missing or non-object \"weight_map\"");
        Map<String, Object> metadata = new LinkedHashMap<>();
        if (root.get("metadata") instanceof Map<?, ?> m) m.forEach((k, v) -> metadata.put((String) k, v));

        Path dir = indexFile.toAbsolutePath().getParent();
        Map<String, TensorSource> byFileName = new LinkedHashMap<>();
        Map<String, TensorSource> shardOf = new LinkedHashMap<>();
        try {
            for (Map.Entry<?, ?> e : weightMap.entrySet()) {
                String tensor = (String) e.getKey();
                if (!(e.getValue() instanceof String shardName)) throw new TensorFileException(indexFile, "weight_map entry for '" + tensor + "' is not a file name");
                TensorSource shard = byFileName.get(shardName);
                if (shard == null) {
                    shard = TensorSource.open(resolveShard(indexFile, dir, tensor, shardName));
                    byFileName.put(shardName, shard);
                }
                if (!shard.contains(tensor)) throw new TensorFileException(indexFile, "tensor '" + tensor + "' is mapped to shard " + shardName + ", which does not contain it");
                shardOf.put(tensor, shard);
            }
        } catch (IOException | RuntimeException e) {
            try {
                closeAll(byFileName.values());
            } catch (IOException closing) {
                e.addSuppressed(closing);
            }
            throw e;
        }
        return new ShardedCheckpoint(indexFile, Collections.unmodifiableMap(metadata), shardOf, List.copyOf(byFileName.values()));
    }

    /** Shard names are relative to the index's directory and may not climb out of it. */
    private static Path resolveShard(Path indexFile, Path dir, String tensor, String shardName) throws TensorFileException {
        Path shard = dir.resolve(shardName).normalize();
        if (!shard.startsWith(dir)) throw new TensorFileException(indexFile, "shard name " + shardName + " for tensor '" + tensor + "' points outside the index's directory");
        if (!Files.isRegularFile(shard)) throw new TensorFileException(indexFile, "shard " + shardName + " (for tensor '" + tensor + "') does not exist at " + shard);
        return shard;
    }

    public Path index() { return index; }

    /** The index's {@code metadata} object (transformers writes {@code total_size}). */
    public Map<String, Object> metadata() { return metadata; }

    /** The shard files, in the order the index first names them. */
    public List<TensorSource> shards() { return shards; }

    @Override
    public List<String> names() { return List.copyOf(shardOf.keySet()); }

    @Override
    public boolean contains(String name) { return shardOf.containsKey(name); }

    @Override
    public TensorInfo info(String name) { return shard(name).info(name); }

    @Override
    public Tensor tensor(String name) { return shard(name).tensor(name); }

    private TensorSource shard(String name) {
        TensorSource s = shardOf.get(name);
        if (s == null) throw new IllegalArgumentException(index + ": no tensor named '" + name + "' in weight_map");
        return s;
    }

    @Override
    public void close() throws IOException {
        closeAll(shards);
    }

    /** Closes every shard even if one fails, rethrowing the first failure. */
    private static void closeAll(Collection<TensorSource> sources) throws IOException {
        IOException first = null;
        for (TensorSource s : sources) {
            try {
                s.close();
            } catch (IOException e) {
                if (first == null) first = e; else first.addSuppressed(e);
            }
        }
        if (first != null) throw first;
    }
}
