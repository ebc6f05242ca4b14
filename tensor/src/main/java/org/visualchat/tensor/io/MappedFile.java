package org.visualchat.tensor.io;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.visualchat.tensor.Storage;

/**
 * A whole file mapped read-only into one {@link MemorySegment}. FFM mappings are addressed with
 * {@code long} offsets, so unlike {@code MappedByteBuffer} there is no 2 GiB window to split on.
 * The mapping lives in a shared arena: any thread may read it, and {@link #close()} unmaps it at once
 * (later access to any slice throws {@link IllegalStateException} instead of faulting).
 */
public final class MappedFile implements AutoCloseable {
    private final Path path;
    private final Arena arena;
    private final MemorySegment segment;

    private MappedFile(Path path, Arena arena, MemorySegment segment) {
        this.path = path;
        this.arena = arena;
        this.segment = segment;
    }

    /** Maps {@code path}; {@code expectedSize} guards against the file changing after it was validated. */
    public static MappedFile open(Path path, long expectedSize) throws IOException {
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = channel.size();
            if (size != expectedSize) {
                throw new TensorFileException(path, "file changed while opening: validated " + expectedSize + " bytes, now " + size);
            }
            Arena arena = Arena.ofShared();
            try {
                return new MappedFile(path, arena, channel.map(FileChannel.MapMode.READ_ONLY, 0, size, arena));
            } catch (IOException | RuntimeException e) {
                arena.close();
                throw e;
            }
        }
    }

    public Path path() { return path; }

    public long size() { return segment.byteSize(); }

    /** The whole mapping (read-only). */
    public MemorySegment segment() { return segment; }

    /** Read-only storage over bytes {@code [offset, offset + length)} of the file, with no copy. */
    public Storage storage(long offset, long length) {
        return Storage.wrap(segment.asSlice(offset, length), true);
    }

    @Override
    public void close() {
        if (arena.scope().isAlive()) arena.close();
    }
}
