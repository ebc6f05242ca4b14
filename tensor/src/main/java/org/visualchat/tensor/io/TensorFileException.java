package org.visualchat.tensor.io;

import java.io.IOException;
import java.nio.file.Path;

/** A checkpoint or metadata file that is malformed or inconsistent; the message starts with the file. */
public final class TensorFileException extends IOException {
    private final Path file;

    public TensorFileException(Path file, String message) {
        super(file + ": " + message);
        this.file = file;
    }

    public Path file() { return file; }
}
