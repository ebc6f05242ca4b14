package org.visualchat.tensor.io;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import org.visualchat.tensor.Tensor;

/** Writes a tensor's elements in row-major order, in its own dtype, as safetensors and GGUF store them. */
final class TensorBytes {
    /** ByteBuffers are int-indexed, so segments larger than this are written piecewise. */
    private static final long CHUNK = 1L << 30;

    private TensorBytes() {}

    /** Appends the tensor's bytes; a non-contiguous view (transposed, narrowed, expanded) is copied first. */
    static void write(FileChannel channel, Tensor tensor) throws IOException {
        MemorySegment bytes = tensor.contiguous().segment();
        for (long at = 0; at < bytes.byteSize(); at += CHUNK) {
            writeFully(channel, bytes.asSlice(at, Math.min(CHUNK, bytes.byteSize() - at)).asByteBuffer());
        }
    }

    /** Appends {@code count} zero bytes (alignment padding). */
    static void pad(FileChannel channel, long count) throws IOException {
        writeFully(channel, ByteBuffer.allocate(Math.toIntExact(count)));
    }

    static void writeFully(FileChannel channel, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) channel.write(buffer);
    }
}
