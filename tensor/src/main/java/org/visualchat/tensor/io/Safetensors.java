package org.visualchat.tensor.io;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Opens a safetensors checkpoint in any of the layouts Hugging Face uses. */
public final class Safetensors {
    public static final String INDEX_FILE = "model.safetensors.index.json";
    public static final String SINGLE_FILE = "model.safetensors";

    private Safetensors() {}

    /**
     * {@code path} may be a {@code .safetensors} file, a {@code *.index.json} shard index, or a model
     * directory holding {@value #INDEX_FILE} or {@value #SINGLE_FILE}.
     */
    public static TensorSource open(Path path) throws IOException {
        if (Files.isDirectory(path)) {
            if (Files.isRegularFile(path.resolve(INDEX_FILE))) return ShardedCheckpoint.open(path.resolve(INDEX_FILE));
            if (Files.isRegularFile(path.resolve(SINGLE_FILE))) return SafetensorsFile.open(path.resolve(SINGLE_FILE));
            throw new TensorFileException(path, "directory holds neither " + INDEX_FILE + " nor " + SINGLE_FILE);
        }
        if (path.getFileName().toString().endsWith(".index.json")) return ShardedCheckpoint.open(path);
        return SafetensorsFile.open(path);
    }
}
