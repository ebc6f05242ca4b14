package org.visualchat.tensor.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;

/**
 * Buffered little-endian reads from a file channel, used to parse and validate headers before any
 * mapping. Every read first checks the bytes exist, so a truncated file gives a message saying what
 * was being read, where, and how long the file is, rather than an EOF deep inside a parser.
 */
final class ChannelReader {
    private static final int BUFFER_BYTES = 1 << 16;

    private final FileChannel channel;
    private final Path file;
    private final long size;
    private final ByteBuffer buffer = ByteBuffer.allocate(BUFFER_BYTES).order(ByteOrder.LITTLE_ENDIAN).flip();
    /** File offset of the next byte handed out; the buffer holds bytes [position, position + remaining). */
    private long position;

    ChannelReader(FileChannel channel, Path file) throws IOException {
        this.channel = channel;
        this.file = file;
        this.size = channel.size();
    }

    Path file() { return file; }

    long size() { return size; }

    long position() { return position; }

    long remaining() { return size - position; }

    int u8(String what) throws IOException {
        fill(1, what);
        position += 1;
        return buffer.get() & 0xFF;
    }

    int u16(String what) throws IOException {
        fill(2, what);
        position += 2;
        return buffer.getShort() & 0xFFFF;
    }

    /** An unsigned 32-bit value. */
    long u32(String what) throws IOException {
        fill(4, what);
        position += 4;
        return buffer.getInt() & 0xFFFFFFFFL;
    }

    /** A 64-bit value, raw bits (callers decide whether it is signed). */
    long u64(String what) throws IOException {
        fill(8, what);
        position += 8;
        return buffer.getLong();
    }

    byte[] bytes(long n, String what) throws IOException {
        if (n < 0 || n > remaining()) throw truncated(n, what);
        if (n > Integer.MAX_VALUE - 8) throw new TensorFileException(file, what + " is " + n + " bytes, too large to read");
        byte[] out = new byte[(int) n];
        int fromBuffer = (int) Math.min(n, buffer.remaining());
        buffer.get(out, 0, fromBuffer);
        ByteBuffer rest = ByteBuffer.wrap(out, fromBuffer, out.length - fromBuffer);
        long at = position + fromBuffer;
        while (rest.hasRemaining()) {
            int r = channel.read(rest, at);
            if (r < 0) throw truncated(n, what);
            at += r;
        }
        position += n;
        return out;
    }

    private void fill(int n, String what) throws IOException {
        if (n > remaining()) throw truncated(n, what);
        if (buffer.remaining() >= n) return;
        buffer.compact();
        long at = position + buffer.position();
        while (buffer.position() < n) {
            int r = channel.read(buffer, at);
            if (r < 0) throw truncated(n, what);
            at += r;
        }
        buffer.flip();
    }

    private TensorFileException truncated(long n, String what) {
        return new TensorFileException(file, "truncated: " + what + " needs " + n + " bytes at offset " + position
                + " but the file is " + size + " bytes long");
    }
}
