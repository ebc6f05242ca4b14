package org.visualchat.tensor.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.visualchat.tensor.Tensor;

/**
 * A set of named tensors backed by one or more memory-mapped files (a safetensors file, a sharded
 * checkpoint, a GGUF file, a {@code torch.save} checkpoint). Tensors are read-only zero-copy views of
 * the mapping in the dtype the file stores; they stay valid until {@link #close()}, after which
 * touching them throws {@link IllegalStateException}.
 */
public interface TensorSource extends AutoCloseable {
    /** Hugging Face's index for sharded {@code torch.save} checkpoints (same JSON as the safetensors one). */
    String TORCH_INDEX_FILE = "pytorch_model.bin.index.json";
    String TORCH_SINGLE_FILE = "pytorch_model.bin";

    /**
     * Opens any supported checkpoint, telling formats apart by content rather than by extension: a GGUF
     * file (magic {@code GGUF}), a {@code torch.save} file ({@code .pth}/{@code .bin}/{@code .pt}: a zip),
     * a {@code *.index.json} shard index, or a safetensors file. A directory opens the first present of
     * {@value Safetensors#INDEX_FILE}, {@value Safetensors#SINGLE_FILE}, {@value #TORCH_INDEX_FILE},
     * {@value #TORCH_SINGLE_FILE}.
     */
    static TensorSource open(Path path) throws IOException {
        if (Files.isDirectory(path)) {
            for (String name : List.of(Safetensors.INDEX_FILE, Safetensors.SINGLE_FILE, TORCH_INDEX_FILE, TORCH_SINGLE_FILE)) {
                if (Files.isRegularFile(path.resolve(name))) return open(path.resolve(name));
            }
            throw new TensorFileException(path, "directory holds none of " + Safetensors.INDEX_FILE + ", " + Safetensors.SINGLE_FILE + ", "
                    + TORCH_INDEX_FILE + ", " + TORCH_SINGLE_FILE);
        }
        if (path.getFileName().toString().endsWith(".index.json")) return ShardedCheckpoint.open(path);
        ByteBuffer head = ByteBuffer.allocate(TorchCheckpoint.SNIFF_BYTES);
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            while (head.hasRemaining() && channel.read(head) >= 0) { /* fill what the file has */ }
        }
        byte[] m = head.array();
        if (head.position() >= 4 && m[0] == 'G' && m[1] == 'G' && m[2] == 'U' && m[3] == 'F') return GgufFile.open(path);
        // TorchCheckpoint reads zips and explains why it does not read legacy pickles
        if (TorchCheckpoint.sniff(m, head.position()) != TorchCheckpoint.Kind.OTHER) return TorchCheckpoint.open(path);
        return SafetensorsFile.open(path);
    }

    /** Tensor names in file order. */
    List<String> names();

    boolean contains(String name);

    /** Dtype, shape and location of {@code name}; throws {@link IllegalArgumentException} naming the file if absent. */
    TensorInfo info(String name);

    /** A read-only view of {@code name}'s bytes; throws {@link IllegalArgumentException} naming the file if absent. */
    Tensor tensor(String name);

    /** Unmaps the files. */
    @Override
    void close() throws IOException;
}
