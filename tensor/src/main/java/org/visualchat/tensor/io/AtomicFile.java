package org.visualchat.tensor.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;

/**
 * Writes a file so that readers see either the old file or the complete new one, never a torn write:
 * the body goes to a temporary file in the same directory (same filesystem, so the rename is atomic),
 * which is fsynced, renamed over the target, and then the directory is fsynced so the rename itself
 * survives a crash. On any failure the temporary file is deleted and the target is left untouched.
 */
public final class AtomicFile {
    private static final SecureRandom RANDOM = new SecureRandom();

    private AtomicFile() {}

    /** Writes the file's whole content to the channel. */
    public interface Body {
        void write(FileChannel channel) throws IOException;
    }

    /** Replaces {@code target} with what {@code body} writes, atomically and durably. */
    public static void write(Path target, Body body) throws IOException {
        Path absolute = target.toAbsolutePath();
        // Checked first: the rename would fail only after the whole body is written, naming the temporary file.
        if (Files.isDirectory(absolute)) throw new FileSystemException(target.toString(), null, "is a directory");
        Path dir = absolute.getParent();
        Files.createDirectories(dir);
        // Not Files.createTempFile: it makes the file owner-only (0600), which the rename would hand on
        // to the checkpoint; createFile gives the usual umask permissions and still fails if the name exists.
        Path temp = Files.createFile(dir.resolve("." + absolute.getFileName() + "." + Long.toHexString(RANDOM.nextLong()) + ".tmp"));
        try {
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                body.write(channel);
                channel.force(true);
            }
            try {
                Files.move(temp, absolute, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                throw new IOException("cannot atomically replace " + absolute + " (filesystem does not support atomic rename)", e);
            } catch (FileSystemException e) {
                // Its message names the temporary file, which the user never asked for: name the target.
                throw (IOException) new FileSystemException(target.toString(), null, e.getReason()).initCause(e);
            }
        } catch (IOException | RuntimeException | Error e) {
            Files.deleteIfExists(temp);
            throw e;
        }
        syncDirectory(dir);
    }

    /** Replaces {@code target} with {@code text} in UTF-8, atomically and durably. */
    public static void writeString(Path target, String text) throws IOException {
        write(target, channel -> {
            ByteBuffer bytes = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
            while (bytes.hasRemaining()) channel.write(bytes);
        });
    }

    /** fsync on a directory makes a rename durable on Linux; other systems may refuse to open it, which is harmless. */
    private static void syncDirectory(Path dir) {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException e) {
            // Not supported on this platform: the data file itself is already fsynced.
        }
    }
}
