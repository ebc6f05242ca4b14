package org.visualchat.tensor.io;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.visualchat.tensor.DType;

/**
 * The header of a safetensors file, validated with the reference reader's rules
 * (huggingface/safetensors {@code tensor.rs}, restated in formats.md §1.1) before anything is mapped:
 * <ol>
 *   <li>file = {@code u64 N} + N bytes of UTF-8 JSON + data; N ≤ 100,000,000 and 8 + N ≤ file length;</li>
 *   <li>the JSON is an object of tensor name → {dtype, shape, data_offsets}, plus an optional
 *       {@code __metadata__} string → string map; duplicate keys are an error;</li>
 *   <li>sorted by data_offsets, the tensors tile the data section exactly: the first begins at 0, each
 *       begins where the previous ends (no gap, no overlap), and the last ends at the end of the file;</li>
 *   <li>{@code end − begin == numel × dtype size}; empty tensors and rank-0 scalars are allowed.</li>
 * </ol>
 */
record SafetensorsHeader(long headerLength, Map<String, String> metadata, List<TensorInfo> tensors) {
    static final long MAX_HEADER_BYTES = 100_000_000;

    /** Dtype strings the format defines that this project does not load (formats.md §1.1). */
    private static final Set<String> OTHER_DTYPES = Set.of("BOOL", "U8", "I8", "I16", "U16", "U32", "F64", "U64",
            "F8_E5M2", "F8_E4M3", "F8_E8M0", "F8_E4M3FNUZ", "F8_E5M2FNUZ", "F4", "F6_E2M3", "F6_E3M2", "C64");

    /** Offset in the file where the data section (the base of all data_offsets) starts. */
    long dataStart() {
        return 8 + headerLength;
    }

    static SafetensorsHeader read(ChannelReader in) throws IOException {
        Path file = in.file();
        if (in.size() < 8) throw new TensorFileException(file, "file is " + in.size() + " bytes, too short for the 8-byte header length");
        long n = in.u64("header length");
        if (n < 0 || n > MAX_HEADER_BYTES) {
            // The first byte is the length's lowest: '{' there (with an absurd length) is a JSON file given by mistake, e.g. config.json.
            if ((n & 0xFF) == '{') throw new TensorFileException(file, "is not a safetensors file (it looks like JSON)");
            throw new TensorFileException(file, "not a safetensors file: header length " + Long.toUnsignedString(n) + " exceeds the limit of " + MAX_HEADER_BYTES + " bytes");
        }
        if (n > in.remaining()) {
            throw new TensorFileException(file, "header length " + n + " runs past the end of the file (" + in.size() + " bytes)");
        }
        Object json;
        try {
            json = Json.parseUtf8(in.bytes(n, "header"));
        } catch (JsonException e) {
            throw new TensorFileException(file, "header is not valid JSON: " + e.getMessage());
        }
        if (!(json instanceof Map<?, ?> root)) throw new TensorFileException(file, "header is not a JSON object");
        Map<String, String> metadata = Map.of();
        List<TensorInfo> tensors = new ArrayList<>();
        for (Map.Entry<?, ?> e : root.entrySet()) {
            String name = (String) e.getKey();
            // A JSON null is what the reference's Option<HashMap> accepts for "no metadata".
            if (name.equals("__metadata__")) metadata = e.getValue() == null ? Map.of() : stringMap(file, e.getValue());
            else tensors.add(entry(file, name, e.getValue()));
        }
        checkTiling(file, tensors, in.size() - 8 - n);
        return new SafetensorsHeader(n, metadata, Collections.unmodifiableList(tensors));
    }

    private static Map<String, String> stringMap(Path file, Object value) throws TensorFileException {
        if (!(value instanceof Map<?, ?> map)) throw new TensorFileException(file, "__metadata__ is not a JSON object");
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : map.entrySet()) {
            if (!(e.getValue() instanceof String s)) throw new TensorFileException(file, "__metadata__ value for \"" + e.getKey() + "\" is not a string");
            out.put((String) e.getKey(), s);
        }
        return Collections.unmodifiableMap(out);
    }

    private static TensorInfo entry(Path file, String name, Object value) throws TensorFileException {
        if (!(value instanceof Map<?, ?> fields)) throw bad(file, name, "entry is not a JSON object");
        if (!(fields.get("dtype") instanceof String dtypeName)) throw bad(file, name, "missing or non-string \"dtype\"");
        DType dtype = dtype(file, name, dtypeName);
        long[] dims = naturals(file, name, "shape", fields.get("shape"));
        long[] offsets = naturals(file, name, "data_offsets", fields.get("data_offsets"));
        if (offsets.length != 2) throw bad(file, name, "\"data_offsets\" must be [begin, end], got " + Arrays.toString(offsets));
        if (offsets[1] < offsets[0]) throw bad(file, name, "data_offsets " + Arrays.toString(offsets) + " end before they begin");
        int[] shape = new int[dims.length];
        long numel = 1;
        for (int i = 0; i < dims.length; i++) {
            if (dims[i] > Integer.MAX_VALUE) throw bad(file, name, "dimension " + dims[i] + " exceeds 2^31-1");
            shape[i] = (int) dims[i];
            numel *= shape[i]; // cannot overflow: checked against 2^31-1 after each step
            if (numel > Integer.MAX_VALUE) throw bad(file, name, "shape " + Arrays.toString(dims) + " has more than 2^31-1 elements");
        }
        long expected = dtype.byteSize(numel);
        if (offsets[1] - offsets[0] != expected) {
            throw bad(file, name, "dtype " + dtype + " shape " + Arrays.toString(shape) + " needs " + expected
                    + " bytes but data_offsets " + Arrays.toString(offsets) + " span " + (offsets[1] - offsets[0]));
        }
        return new TensorInfo(name, dtype, shape, offsets[0], expected);
    }

    private static DType dtype(Path file, String name, String s) throws TensorFileException {
        return switch (s) {
            case "F32" -> DType.F32;
            case "F16" -> DType.F16;
            case "BF16" -> DType.BF16;
            case "I32" -> DType.I32;
            case "I64" -> DType.I64;
            default -> throw new TensorFileException(file, (OTHER_DTYPES.contains(s) ? "unsupported" : "unknown")
                    + " dtype " + s + " for tensor '" + name + "' (supported: F32, F16, BF16, I32, I64)");
        };
    }

    private static long[] naturals(Path file, String name, String key, Object value) throws TensorFileException {
        if (!(value instanceof List<?> list)) throw bad(file, name, "missing or non-array \"" + key + "\"");
        long[] out = new long[list.size()];
        for (int i = 0; i < out.length; i++) {
            if (!(list.get(i) instanceof Long v) || v < 0) throw bad(file, name, "\"" + key + "\" must hold non-negative integers, got " + list);
            out[i] = v;
        }
        return out;
    }

    /** Rule 3 above; every message names the tensors involved. */
    private static void checkTiling(Path file, List<TensorInfo> tensors, long dataLength) throws TensorFileException {
        for (TensorInfo t : tensors) {
            if (t.offset() + t.byteSize() > dataLength) {
                throw bad(file, t.name(), "data_offsets [" + t.offset() + ", " + (t.offset() + t.byteSize())
                        + "] run past the end of the data section (" + dataLength + " bytes; file truncated?)");
            }
        }
        List<TensorInfo> byOffset = new ArrayList<>(tensors);
        byOffset.sort(Comparator.comparingLong(TensorInfo::offset).thenComparingLong(TensorInfo::byteSize));
        long end = 0;
        TensorInfo previous = null;
        for (TensorInfo t : byOffset) {
            String after = previous == null ? "the start of the data section" : "tensor '" + previous.name() + "' (ends at " + end + ")";
            if (t.offset() < end) throw bad(file, t.name(), "data_offsets begin at " + t.offset() + ", overlapping " + after);
            if (t.offset() > end) throw bad(file, t.name(), "gap of " + (t.offset() - end) + " bytes between " + after + " and this tensor (begins at " + t.offset() + ")");
            end = t.offset() + t.byteSize();
            previous = t;
        }
        if (end != dataLength) {
            throw new TensorFileException(file, (dataLength - end) + " bytes after the last tensor"
                    + (previous == null ? "" : " '" + previous.name() + "'") + " are not covered by any tensor (data section is " + dataLength + " bytes)");
        }
    }

    private static TensorFileException bad(Path file, String tensor, String message) {
        return new TensorFileException(file, "tensor '" + tensor + "': " + message);
    }
}
