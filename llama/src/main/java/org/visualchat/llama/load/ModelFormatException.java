package org.visualchat.llama.load;

import java.io.IOException;
import java.nio.file.Path;

/** A checkpoint that cannot be loaded as a LLaMA model; the message starts with the file at fault. */
public final class ModelFormatException extends IOException {
    public ModelFormatException(Path file, String message) {
        super(file + ": " + message);
    }
}
