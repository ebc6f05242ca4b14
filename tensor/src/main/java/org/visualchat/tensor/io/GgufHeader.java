package org.visualchat.tensor.io;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.visualchat.tensor.DType;

/**
 * The header of a GGUF v2/v3 file (ggml {@code docs/gguf.md}; formats.md §1.5), parsed through a
 * channel and validated before mapping:
 * magic {@code GGUF}; version 2 or 3 (v1 used 32-bit counts; a byte-swapped version means a
 * big-endian file); counts that the file could actually hold; unique keys; {@code general.alignment}
 * a UINT32 power of two (default 32); at most 4 dims per tensor; a supported ggml type; rows that are
 * whole quant blocks; offsets that are multiples of the alignment, inside the file, not overlapping.
 */
record GgufHeader(int version, GgufMetadata metadata, List<TensorInfo> tensors, long alignment, long dataStart) {
    static final int DEFAULT_ALIGNMENT = 32;
    /** GGML_MAX_DIMS. */
    static final int MAX_DIMS = 4;
    private static final int MAGIC = 0x46554747; // "GGUF" read as a little-endian u32

    static GgufHeader read(ChannelReader in) throws IOException {
        Path file = in.file();
        if (in.size() < 4) throw new TensorFileException(file, "not a GGUF file: only " + in.size() + " bytes");
        long magic = in.u32("magic");
        if (magic != MAGIC) throw new TensorFileException(file, String.format("not a GGUF file: magic bytes are %08x, expected 47475546 (\"GGUF\")", Integer.reverseBytes((int) magic)));
        long version = in.u32("version");
        if (version != 2 && version != 3) {
            boolean swapped = Integer.reverseBytes((int) version) == 2 || Integer.reverseBytes((int) version) == 3;
            throw new TensorFileException(file, swapped ? "big-endian GGUF files are not supported"
                    : "GGUF version " + version + " is not supported (only 2 and 3)");
        }
        long tensorCount = count(in, "tensor count", 24);
        long kvCount = count(in, "metadata count", 13);

        Map<String, GgufValue> kv = new LinkedHashMap<>();
        for (long i = 0; i < kvCount; i++) {
            String key = string(in, "key of metadata entry " + i);
            GgufType type = type(in, "metadata '" + key + "'");
            GgufValue value = value(in, type, key);
            if (kv.put(key, value) != null) throw new TensorFileException(file, "duplicate metadata key '" + key + "'");
        }
        GgufMetadata metadata = new GgufMetadata(file.toString(), kv);
        long alignment = alignment(file, kv.get("general.alignment"));

        List<TensorInfo> tensors = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (long i = 0; i < tensorCount; i++) {
            TensorInfo t = tensorInfo(in, i, alignment);
            if (!names.add(t.name())) throw new TensorFileException(file, "duplicate tensor name '" + t.name() + "'");
            tensors.add(t);
        }
        long dataStart = (in.position() + alignment - 1) / alignment * alignment;
        checkPlacement(file, tensors, Math.max(0, in.size() - dataStart));
        return new GgufHeader((int) version, metadata, Collections.unmodifiableList(tensors), alignment, dataStart);
    }

    /** A u64 count, rejected when even minimal entries of {@code minBytes} each could not fit in the file. */
    private static long count(ChannelReader in, String what, int minBytes) throws IOException {
        long n = in.u64(what);
        if (n < 0 || n > in.size() / minBytes) throw new TensorFileException(in.file(), what + " " + Long.toUnsignedString(n) + " is impossible in a file of " + in.size() + " bytes");
        return n;
    }

    private static GgufType type(ChannelReader in, String what) throws IOException {
        long id = in.u32("type of " + what);
        GgufType t = GgufType.fromId(id);
        if (t == null) throw new TensorFileException(in.file(), what + " has unknown value type " + id);
        return t;
    }

    private static GgufValue value(ChannelReader in, GgufType type, String key) throws IOException {
        if (type != GgufType.ARRAY) return GgufValue.of(type, scalar(in, type, key));
        GgufType elementType = type(in, "elements of metadata '" + key + "'");
        if (elementType == GgufType.ARRAY) throw new TensorFileException(in.file(), "metadata '" + key + "' is an array of arrays, which is not supported");
        long n = in.u64("length of metadata array '" + key + "'");
        if (n < 0 || n > in.remaining() / elementType.minBytes()) {
            throw new TensorFileException(in.file(), "metadata array '" + key + "' claims " + Long.toUnsignedString(n) + " " + elementType
                    + " elements, more than the " + in.remaining() + " remaining bytes can hold");
        }
        List<Object> values = new ArrayList<>((int) n);
        for (long i = 0; i < n; i++) values.add(scalar(in, elementType, key));
        return GgufValue.array(elementType, values);
    }

    private static Object scalar(ChannelReader in, GgufType type, String key) throws IOException {
        String what = "value of metadata '" + key + "'";
        return switch (type) {
            case UINT8 -> (long) in.u8(what);
            case INT8 -> (long) (byte) in.u8(what);
            case UINT16 -> (long) in.u16(what);
            case INT16 -> (long) (short) in.u16(what);
            case UINT32 -> in.u32(what);
            case INT32 -> (long) (int) in.u32(what);
            case UINT64, INT64 -> in.u64(what);
            case FLOAT32 -> (double) Float.intBitsToFloat((int) in.u32(what));
            case FLOAT64 -> Double.longBitsToDouble(in.u64(what));
            case BOOL -> bool(in, key, in.u8(what));
            case STRING -> string(in, what);
            case ARRAY -> throw new IllegalStateException("arrays are read by value()");
        };
    }

    private static boolean bool(ChannelReader in, String key, int b) throws TensorFileException {
        if (b > 1) throw new TensorFileException(in.file(), "metadata '" + key + "' is a bool with byte value " + b + " (must be 0 or 1)");
        return b == 1;
    }

    /** gguf_string: u64 byte length + UTF-8 bytes (no terminator), decoded strictly. */
    private static String string(ChannelReader in, String what) throws IOException {
        long n = in.u64("length of " + what);
        if (n < 0 || n > in.remaining()) throw new TensorFileException(in.file(), what + ": string length " + Long.toUnsignedString(n) + " runs past the end of the file");
        try {
            return StrictUtf8.decode(in.bytes(n, what));
        } catch (StrictUtf8.Malformed e) {
            throw new TensorFileException(in.file(), what + " is not valid UTF-8 (byte " + e.byteOffset + ")");
        }
    }

    private static long alignment(Path file, GgufValue v) throws TensorFileException {
        if (v == null) return DEFAULT_ALIGNMENT;
        if (v.type() != GgufType.UINT32) throw new TensorFileException(file, "general.alignment must be UINT32, got " + v.type());
        long a = v.asLong();
        if (a == 0 || Long.bitCount(a) != 1) throw new TensorFileException(file, "general.alignment " + a + " is not a power of two");
        return a;
    }

    private static TensorInfo tensorInfo(ChannelReader in, long index, long alignment) throws IOException {
        Path file = in.file();
        String name = string(in, "name of tensor " + index);
        String what = "tensor '" + name + "'";
        long nDims = in.u32("rank of " + what);
        if (nDims > MAX_DIMS) throw new TensorFileException(file, what + " has " + nDims + " dims (GGUF allows at most " + MAX_DIMS + ")");
        long[] ne = new long[(int) nDims];
        for (int i = 0; i < ne.length; i++) {
            ne[i] = in.u64("dims of " + what);
            if (ne[i] < 0 || ne[i] > Integer.MAX_VALUE) throw new TensorFileException(file, what + " dimension " + Long.toUnsignedString(ne[i]) + " exceeds 2^31-1");
        }
        long typeId = in.u32("type of " + what);
        long offset = in.u64("offset of " + what);
        DType dtype = GgmlTypes.dtype(typeId);
        if (dtype == null) {
            throw new TensorFileException(file, what + " has ggml type " + typeId + " (" + GgmlTypes.name(typeId)
                    + "), which is not supported (supported: F32, F16, BF16, Q8_0, Q4_0, I32, I64)");
        }
        // ne is fastest-varying first; our shapes are outermost first, so the dims reverse.
        int[] shape = new int[ne.length];
        long numel = 1;
        for (int i = 0; i < ne.length; i++) {
            shape[ne.length - 1 - i] = (int) ne[i];
            numel *= ne[i];
            if (numel > Integer.MAX_VALUE) throw new TensorFileException(file, what + " dims " + Arrays.toString(ne) + " hold more than 2^31-1 elements");
        }
        if (dtype.isQuantized() && (ne.length == 0 || ne[0] % dtype.blockSize() != 0)) {
            throw new TensorFileException(file, what + " is " + dtype + " but its row length " + (ne.length == 0 ? 1 : ne[0])
                    + " is not a multiple of the block size " + dtype.blockSize());
        }
        if (offset < 0 || offset % alignment != 0) {
            throw new TensorFileException(file, what + " data offset " + Long.toUnsignedString(offset) + " is not a multiple of the alignment " + alignment);
        }
        return new TensorInfo(name, dtype, shape, offset, dtype.byteSize(numel));
    }

    /** Every tensor inside the data section, and no two sharing bytes. */
    private static void checkPlacement(Path file, List<TensorInfo> tensors, long dataLength) throws TensorFileException {
        for (TensorInfo t : tensors) {
            if (t.offset() > dataLength || t.byteSize() > dataLength - t.offset()) {
                throw new TensorFileException(file, "tensor '" + t.name() + "' (" + t.dtype() + " " + Arrays.toString(t.shape()) + ") at data offset "
                        + t.offset() + " needs " + t.byteSize() + " bytes but the data section is only " + dataLength + " bytes (file truncated?)");
            }
        }
        List<TensorInfo> byOffset = new ArrayList<>(tensors);
        byOffset.sort(Comparator.comparingLong(TensorInfo::offset));
        for (int i = 1; i < byOffset.size(); i++) {
            TensorInfo prev = byOffset.get(i - 1), t = byOffset.get(i);
            if (t.offset() < prev.offset() + prev.byteSize()) {
                throw new TensorFileException(file, "tensor '" + t.name() + "' at data offset " + t.offset() + " overlaps tensor '" + prev.name()
                        + "' [" + prev.offset() + ", " + (prev.offset() + prev.byteSize()) + ")");
            }
        }
    }
}
