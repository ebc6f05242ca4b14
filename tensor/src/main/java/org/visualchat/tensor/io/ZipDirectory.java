package org.visualchat.tensor.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The central directory of a zip file, read by hand (PKWARE APPNOTE.TXT §4.3) including the zip64
 * records torch's miniz writer emits, so that an entry's bytes can be located and memory-mapped in
 * place. Only what a reader of {@code torch.save} files needs: no multi-disk archives, no encryption;
 * compression methods are reported, not decoded.
 */
final class ZipDirectory {
    private static final int LOCAL_HEADER = 0x04034B50;
    private static final int CENTRAL_HEADER = 0x02014B50;
    private static final int END_OF_CENTRAL_DIRECTORY = 0x06054B50;
    private static final int ZIP64_END = 0x06064B50;
    private static final int ZIP64_LOCATOR = 0x07064B50;
    private static final int EOCD_BYTES = 22;
    private static final int LOCATOR_BYTES = 20;
    private static final int MAX_COMMENT = 0xFFFF;
    private static final long U32_SATURATED = 0xFFFFFFFFL;

    /** One entry: {@code dataOffset} is where its (possibly compressed) bytes start in the file. */
    record Entry(String name, int method, int flags, long crc32, long compressedSize, long size, long dataOffset) {
        boolean isStored() { return method == 0; }
    }

    private ZipDirectory() {}

    /** Entries by name, in central-directory order; every entry's data range is checked to lie inside the file. */
    static Map<String, Entry> read(FileChannel channel, Path file) throws IOException {
        long fileSize = channel.size();
        long eocd = findEndOfCentralDirectory(channel, file, fileSize);
        ByteBuffer end = readAt(channel, file, eocd, EOCD_BYTES, fileSize, "end of central directory");
        long entries = end.getShort(10) & 0xFFFF;
        long cdSize = end.getInt(12) & U32_SATURATED;
        long cdOffset = end.getInt(16) & U32_SATURATED;
        if ((end.getShort(4) & 0xFFFF) != 0 || (end.getShort(6) & 0xFFFF) != 0) {
            throw new TensorFileException(file, "multi-disk (split) zip archives are not supported");
        }
        if (eocd >= LOCATOR_BYTES && readAt(channel, file, eocd - LOCATOR_BYTES, 4, fileSize, "zip64 locator").getInt(0) == ZIP64_LOCATOR) {
            // Zip64: the 32/16-bit fields above may be saturated; the zip64 end record holds the real values.
            long zip64End = readAt(channel, file, eocd - LOCATOR_BYTES, LOCATOR_BYTES, fileSize, "zip64 locator").getLong(8);
            ByteBuffer z = readAt(channel, file, zip64End, 56, fileSize, "zip64 end of central directory");
            if (z.getInt(0) != ZIP64_END) throw new TensorFileException(file, "zip64 locator points at offset " + zip64End + ", which holds no zip64 end record");
            entries = z.getLong(32);
            cdSize = z.getLong(40);
            cdOffset = z.getLong(48);
        }
        if (cdOffset < 0 || cdSize < 0 || cdOffset > eocd || cdSize > eocd - cdOffset) {
            throw new TensorFileException(file, "central directory (offset " + cdOffset + ", " + cdSize + " bytes) lies outside the file");
        }
        if (cdSize > Integer.MAX_VALUE - 8) throw new TensorFileException(file, "central directory of " + cdSize + " bytes is too large");
        ByteBuffer cd = readAt(channel, file, cdOffset, (int) cdSize, fileSize, "central directory");
        Map<String, Entry> byName = new LinkedHashMap<>();
        for (long i = 0; i < entries; i++) {
            Entry e = centralEntry(channel, file, cd, fileSize, cdOffset);
            if (byName.putIfAbsent(e.name(), e) != null) throw new TensorFileException(file, "zip entry " + e.name() + " appears twice");
        }
        return Collections.unmodifiableMap(byName);
    }

    /** The EOCD record sits at the end, before a comment of at most 65535 bytes (APPNOTE §4.3.16). */
    private static long findEndOfCentralDirectory(FileChannel channel, Path file, long fileSize) throws IOException {
        if (fileSize < EOCD_BYTES) throw new TensorFileException(file, "not a zip archive: " + fileSize + " bytes is too short for an end-of-central-directory record");
        int window = (int) Math.min(fileSize, EOCD_BYTES + MAX_COMMENT);
        ByteBuffer tail = readAt(channel, file, fileSize - window, window, fileSize, "end of central directory");
        for (int at = window - EOCD_BYTES; at >= 0; at--) {
            if (tail.getInt(at) == END_OF_CENTRAL_DIRECTORY && at + EOCD_BYTES + (tail.getShort(at + 20) & 0xFFFF) == window) {
                return fileSize - window + at;
            }
        }
        throw new TensorFileException(file, "no zip end-of-central-directory record: the file is truncated or not a zip archive");
    }

    private static Entry centralEntry(FileChannel channel, Path file, ByteBuffer cd, long fileSize, long cdOffset) throws IOException {
        int at = cd.position();
        if (cd.remaining() < 46 || cd.getInt(at) != CENTRAL_HEADER) {
            throw new TensorFileException(file, "corrupt central directory at offset " + (cdOffset + at));
        }
        int flags = cd.getShort(at + 8) & 0xFFFF;
        int method = cd.getShort(at + 10) & 0xFFFF;
        long crc = cd.getInt(at + 16) & U32_SATURATED;
        long compressed = cd.getInt(at + 20) & U32_SATURATED;
        long size = cd.getInt(at + 24) & U32_SATURATED;
        int nameLength = cd.getShort(at + 28) & 0xFFFF;
        int extraLength = cd.getShort(at + 30) & 0xFFFF;
        int commentLength = cd.getShort(at + 32) & 0xFFFF;
        long localOffset = cd.getInt(at + 42) & U32_SATURATED;
        if (cd.remaining() < 46 + nameLength + extraLength + commentLength) {
            throw new TensorFileException(file, "corrupt central directory at offset " + (cdOffset + at) + ": entry runs past its end");
        }
        byte[] nameBytes = new byte[nameLength];
        cd.get(at + 46, nameBytes);
        String name = new String(nameBytes, StandardCharsets.UTF_8);
        // Zip64 extended information (APPNOTE §4.5.3): only the fields saturated above, in this order.
        int extra = at + 46 + nameLength;
        for (int p = extra; p + 4 <= extra + extraLength; ) {
            int id = cd.getShort(p) & 0xFFFF, length = cd.getShort(p + 2) & 0xFFFF;
            if (p + 4 + length > extra + extraLength) throw new TensorFileException(file, "zip entry " + name + ": corrupt extra field");
            if (id == 0x0001) {
                int q = p + 4, limit = q + length;
                if (size == U32_SATURATED) { size = zip64Field(cd, q, limit, file, name); q += 8; }
                if (compressed == U32_SATURATED) { compressed = zip64Field(cd, q, limit, file, name); q += 8; }
                if (localOffset == U32_SATURATED) localOffset = zip64Field(cd, q, limit, file, name);
            }
            p += 4 + length;
        }
        cd.position(at + 46 + nameLength + extraLength + commentLength);
        if ((flags & 1) != 0) throw new TensorFileException(file, "zip entry " + name + " is encrypted");

        ByteBuffer local = readAt(channel, file, localOffset, 30, fileSize, "local header of zip entry " + name);
        if (local.getInt(0) != LOCAL_HEADER) throw new TensorFileException(file, "zip entry " + name + ": no local header at offset " + localOffset);
        // The local header's name and extra lengths may differ from the central copy (torch pads the local extra to align the data).
        long dataOffset = localOffset + 30 + (local.getShort(26) & 0xFFFF) + (local.getShort(28) & 0xFFFF);
        if (compressed < 0 || dataOffset > fileSize || compressed > fileSize - dataOffset) {
            throw new TensorFileException(file, "zip entry " + name + " (" + compressed + " bytes at offset " + dataOffset + ") runs past the end of the "
                    + fileSize + "-byte file");
        }
        return new Entry(name, method, flags, crc, compressed, size, dataOffset);
    }

    private static long zip64Field(ByteBuffer cd, int at, int limit, Path file, String name) throws TensorFileException {
        if (at + 8 > limit) throw new TensorFileException(file, "zip entry " + name + ": zip64 extra field too short");
        return cd.getLong(at);
    }

    /** {@code length} bytes at {@code offset}, little-endian, or an error saying what was being read. */
    static ByteBuffer readAt(FileChannel channel, Path file, long offset, int length, long fileSize, String what) throws IOException {
        if (offset < 0 || offset > fileSize || length > fileSize - offset) {
            throw new TensorFileException(file, "truncated: " + what + " needs " + length + " bytes at offset " + offset + " but the file is "
                    + fileSize + " bytes long");
        }
        ByteBuffer b = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
        while (b.hasRemaining()) {
            if (channel.read(b, offset + b.position()) < 0) throw new TensorFileException(file, "truncated while reading " + what);
        }
        return b.flip();
    }
}
