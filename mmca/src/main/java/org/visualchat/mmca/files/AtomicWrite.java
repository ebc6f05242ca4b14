package org.visualchat.mmca.files;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Writes a file through a temporary sibling and an atomic rename, so a crash or a full disk never leaves a
 * half-written transcript, CSV, image or cache marker behind: the target is either the old file or the new one.
 */
public final class AtomicWrite {
    /** Writes the content of a file given its (temporary) path. */
    @FunctionalInterface
    public interface Body {
        void writeTo(Path temporary) throws IOException;
    }

    private AtomicWrite() {}

    public static void write(Path target, Body body) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, "." + target.getFileName(), ".tmp");
        try {
            body.writeTo(tmp);
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    public static void writeString(Path target, String text) throws IOException {
        write(target, tmp -> Files.writeString(tmp, text, StandardCharsets.UTF_8));
    }
}
