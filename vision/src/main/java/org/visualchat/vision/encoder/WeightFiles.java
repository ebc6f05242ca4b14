package org.visualchat.vision.encoder;

import org.visualchat.tensor.io.Safetensors;
import org.visualchat.tensor.io.TensorFileException;
import org.visualchat.tensor.io.TensorSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The weights of an encoder directory, in the order {@link TensorSource#open} looks for them: a
 * safetensors index or file, then a {@code pytorch_model.bin} index or file (the reference's
 * {@code qwen_clip/pytorch_model.bin}); a file path is opened as given.
 */
final class WeightFiles {
    private static final List<String> CANDIDATES = List.of(Safetensors.INDEX_FILE, Safetensors.SINGLE_FILE,
            TensorSource.TORCH_INDEX_FILE, TensorSource.TORCH_SINGLE_FILE);

    private WeightFiles() {}

    /** A model directory, or an error saying what one holds. */
    static Path requireDirectory(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new TensorFileException(dir, Files.exists(dir) ? "not a model directory (expected config.json and the weights)" : "no such directory");
        }
        return dir;
    }

    static TensorSource open(Path path) throws IOException {
        if (!Files.exists(path)) throw new TensorFileException(path, "no such file or directory");
        return TensorSource.open(path);
    }

    /** The file {@link #open} reads for {@code path}, to name in error messages. */
    static Path describe(Path path) {
        if (!Files.isDirectory(path)) return path;
        for (String name : CANDIDATES) if (Files.isRegularFile(path.resolve(name))) return path.resolve(name);
        return path;
    }
}
