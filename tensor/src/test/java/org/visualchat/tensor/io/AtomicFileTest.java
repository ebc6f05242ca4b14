package org.visualchat.tensor.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class AtomicFileTest {
    @TempDir
    Path dir;

    @Test
    void writesAndReplacesTextLeavingNoTemporaryFile() throws IOException {
        Path target = dir.resolve("sub").resolve("config.json");
        AtomicFile.writeString(target, "{\"a\": 1} é");
        assertEquals("{\"a\": 1} é", Files.readString(target, StandardCharsets.UTF_8));
        AtomicFile.writeString(target, "second");
        assertEquals("second", Files.readString(target));
        assertEquals(1, entries(target.getParent()));
    }

    @Test
    void aFailingBodyLeavesTheOldFileAndNoTemporaryFile() throws IOException {
        Path target = dir.resolve("model.safetensors");
        AtomicFile.writeString(target, "old");
        IOException e = assertThrows(IOException.class, () -> AtomicFile.write(target, channel -> {
            channel.write(ByteBuffer.wrap("half".getBytes(StandardCharsets.UTF_8)));
            throw new IOException("disk full");
        }));
        assertEquals("disk full", e.getMessage());
        assertEquals("old", Files.readString(target));
        assertEquals(1, entries(dir));
    }

    @Test
    void aDirectoryInTheTargetsPlaceIsNamedNotTheTemporaryFile() throws IOException {
        Path target = Files.createDirectory(dir.resolve("results.csv"));
        IOException e = assertThrows(IOException.class, () -> AtomicFile.writeString(target, "rows"));
        assertEquals(target + ": is a directory", e.getMessage());
        assertEquals(1, entries(dir));
    }

    private static long entries(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.count();
        }
    }
}
