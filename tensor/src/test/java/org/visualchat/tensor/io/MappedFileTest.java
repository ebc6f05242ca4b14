package org.visualchat.tensor.io;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.visualchat.tensor.Storage;

class MappedFileTest {
    @TempDir
    Path dir;

    /** A sparse 3 GiB file (no disk used) mapped as one segment, read past the 2 GiB ByteBuffer limit. */
    @Test
    void mapsPastTwoGibibytesInOneSegment() throws IOException {
        Path p = dir.resolve("sparse.bin");
        long far = 3L << 30;
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(0, 1.25f), 4);
            ch.write(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(0, -7.5f), far - 4);
        }
        try (MappedFile m = MappedFile.open(p, far)) {
            assertEquals(far, m.size());
            Storage tail = m.storage(far - 8, 8);
            assertTrue(tail.isReadOnly());
            assertEquals(-7.5f, tail.segment().get(Storage.F32, 4));
            assertEquals(1.25f, m.storage(4, 4).segment().get(Storage.F32, 0));
            assertThrows(IllegalArgumentException.class, () -> tail.segment().set(Storage.F32, 0, 1f));
        }
    }

    @Test
    void closeUnmapsAndSizeChangesAreCaught() throws IOException {
        Path p = dir.resolve("small.bin");
        java.nio.file.Files.write(p, new byte[] {1, 2, 3, 4});
        MappedFile m = MappedFile.open(p, 4);
        Storage s = m.storage(0, 4);
        assertEquals(3, s.segment().get(java.lang.foreign.ValueLayout.JAVA_BYTE, 2));
        m.close();
        m.close(); // idempotent
        assertThrows(IllegalStateException.class, () -> s.segment().get(java.lang.foreign.ValueLayout.JAVA_BYTE, 2));
        TensorFileException e = assertThrows(TensorFileException.class, () -> MappedFile.open(p, 5));
        assertTrue(e.getMessage().contains("file changed while opening"), e.getMessage());
    }
}
