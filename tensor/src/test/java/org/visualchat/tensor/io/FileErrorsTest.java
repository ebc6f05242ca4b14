package org.visualchat.tensor.io;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The one-line error of a java.nio.file exception says what is wrong with the path, not just the path. */
class FileErrorsTest {
    @Test
    void bareFileSystemExceptionsSayWhatIsWrong(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("file"), "");
        assertEquals(file + ": exists and is not a directory", FileErrors.message(new FileAlreadyExistsException(file.toString())));
        assertEquals(dir + ": already exists", FileErrors.message(new FileAlreadyExistsException(dir.toString())));
        assertEquals("/x/nope.safetensors: no such file or directory", FileErrors.message(new NoSuchFileException("/x/nope.safetensors")));
        assertEquals("/x: not a directory", FileErrors.message(new NotDirectoryException("/x")));
        assertEquals("/x: permission denied", FileErrors.message(new AccessDeniedException("/x")));
        // Commands rethrow them wrapped, with the same message.
        var wrapped = new UncheckedIOException(file.toString(), new FileAlreadyExistsException(file.toString()));
        assertEquals(file + ": exists and is not a directory", FileErrors.message(new IllegalArgumentException(file.toString(), wrapped)));
        // A message with the OS's reason, or another message, is kept.
        assertEquals("/x: Is a directory", FileErrors.message(new FileSystemException("/x", null, "Is a directory")));
        assertEquals("bad value", FileErrors.message(new IllegalArgumentException("bad value", new NoSuchFileException("/x"))));
    }
}
