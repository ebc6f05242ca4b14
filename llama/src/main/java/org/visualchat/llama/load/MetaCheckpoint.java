package org.visualchat.llama.load;

import org.visualchat.tensor.Tensor;
import org.visualchat.tensor.io.TensorInfo;
import org.visualchat.tensor.io.TensorSource;
import org.visualchat.tensor.io.TorchCheckpoint;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Meta's own LLaMA release: {@code consolidated.00.pth} … {@code consolidated.NN.pth} ({@code torch.save}
 * zips read by {@link TorchCheckpoint}), model-parallel shards (formats.md §1.4). With one shard every
 * tensor is a view of the mapped file; with several, each sharded tensor is concatenated once into
 * memory of its own dtype (wq/wk/wv/w1/w3/output split on dim 0, wo/w2/tok_embeddings on dim 1, norms
 * replicated) — one in-memory copy of the model, no F32 widening.
 */
final class MetaCheckpoint implements TensorSource {
    private final List<TorchCheckpoint> shards;
    private final Map<String, Tensor> merged = new HashMap<>();

    private MetaCheckpoint(List<TorchCheckpoint> shards) {
        this.shards = shards;
    }

    /** The consolidated.*.pth files of {@code dir}, in shard order. */
    static List<Path> shardFiles(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().matches("consolidated\\.\\d+\\.pth")).sorted().toList();
        }
    }

    static MetaCheckpoint open(List<Path> files) throws IOException {
        List<TorchCheckpoint> opened = new ArrayList<>();
        try {
            for (Path f : files) opened.add(TorchCheckpoint.open(f));
            for (TorchCheckpoint shard : opened.subList(1, opened.size())) {
                if (!shard.names().equals(opened.getFirst().names())) {
                    throw new ModelFormatException(shard.path(), "holds other tensors than " + opened.getFirst().path().getFileName() + " (shards of different checkpoints?)");
                }
            }
            return new MetaCheckpoint(opened);
        } catch (IOException | RuntimeException e) {
            for (TorchCheckpoint c : opened) c.close();
            throw e;
        }
    }

    /** The first shard's file (every shard holds every name). */
    Path path() { return shards.getFirst().path(); }

    @Override
    public List<String> names() { return shards.getFirst().names(); }

    @Override
    public boolean contains(String name) { return shards.getFirst().contains(name); }

    @Override
    public TensorInfo info(String name) {
        TensorInfo first = shards.getFirst().info(name);
        int dim = splitDim(name, first.shape().length);
        if (dim < 0) return first;
        int[] shape = first.shape();
        for (TorchCheckpoint shard : shards.subList(1, shards.size())) {
            int[] part = shard.info(name).shape();
            int[] expected = first.shape();
            expected[dim] = part[dim];
            if (!Arrays.equals(part, expected)) {
                throw CheckpointWeights.fail(shard.path(), "tensor " + name + " has shape " + Arrays.toString(part) + " but " + path().getFileName() + " has "
                        + Arrays.toString(first.shape()) + " (they may differ only in dim " + dim + ")");
            }
            shape[dim] += part[dim];
        }
        return new TensorInfo(name, first.dtype(), shape, first.offset(), first.dtype().byteSize(Arrays.stream(shape).asLongStream().reduce(1, (a, b) -> a * b)));
    }

    @Override
    public Tensor tensor(String name) {
        int dim = splitDim(name, shards.getFirst().info(name).shape().length);
        if (dim < 0) return shards.getFirst().tensor(name);
        return merged.computeIfAbsent(name, n -> concat(n, dim));
    }

    /** The dimension a tensor is split along across shards, or -1 when there is one shard or it is replicated. */
    private int splitDim(String name, int rank) {
        if (shards.size() == 1 || rank < 2) return -1;
        return name.endsWith("attention.wo.weight") || name.endsWith("feed_forward.w2.weight") || name.equals("tok_embeddings.weight") ? 1 : 0;
    }

    private Tensor concat(String name, int dim) {
        TensorInfo info = info(name);
        Tensor out = Tensor.zeros(info.dtype(), info.shape());
        int at = 0;
        for (TorchCheckpoint shard : shards) {
            Tensor part = shard.tensor(name).contiguous();
            int width = part.dim(dim);
            if (dim == 0) {
                part.copyTo(out.narrow(0, at, width));
            } else {
                // Row by row: each destination row slice is contiguous, so every copy is one block move.
                for (int r = 0; r < part.dim(0); r++) part.narrow(0, r, 1).copyTo(out.narrow(0, r, 1).narrow(1, at, width));
            }
            at += width;
        }
        return out;
    }

    @Override
    public void close() throws IOException {
        for (TorchCheckpoint c : shards) c.close();
    }
}
