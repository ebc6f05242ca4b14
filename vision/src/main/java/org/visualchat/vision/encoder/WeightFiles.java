package org.visualchat.vision.encoder;

import org.visualchat.tensor.io.Safetensors;
import org.visualchat.tensor.io.TensorFileException;
import org.visualchat.tensor.io.TensorSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Finds the weights of an encoder directory (or takes a weights file as given). */
final class WeightFiles {
    private WeightFiles() {}

    /** A safetensors file, a shard index, or a directory holding one of them. */
    static TensorSource open(Path path) throws IOException {
        if (!Files.exists(path)) throw new TensorFileException(path, "no such file or directory");
        return Safetensors.open(path);
    }

    /** The file or directory a {@link TensorSource} opened from {@code path} reads, for error messages. */
    static Path describe(Path path) {
        if (!Files.isDirectory(path)) return path;
        Path index = path.resolve(Safetensors.INDEX_FILE);
        return Files.isRegularFile(index) ? index : path.resolve(Safetensors.SINGLE_FILE);
    }
}
