package org.visualchat.tensor.io;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.visualchat.tensor.DType;
import org.visualchat.tensor.Tensor;

class SafetensorsRoundTripTest {
    @TempDir
    Path dir;

    /** Values exactly representable in every float dtype, and distinct per element. */
    static Tensor sample(DType dtype, int... shape) {
        Tensor f = Tensor.uniform(42, -4, 4, shape);
        float[] v = f.toFloatArray();
        for (int i = 0; i < v.length; i++) v[i] = Math.round(v[i] * 8) / 8f + i;
        return Tensor.of(v, shape).to(dtype);
    }

    static void assertSameTensor(Tensor expected, Tensor actual) {
        assertEquals(expected.dtype(), actual.dtype());
        assertArrayEquals(expected.shape(), actual.shape());
        if (expected.dtype().isFloating()) assertArrayEquals(expected.toFloatArray(), actual.toFloatArray());
        else assertArrayEquals(expected.toLongArray(), actual.toLongArray());
    }

    @Test
    void everyDtypeRoundTripsAsAZeroCopyViewInItsOwnDtype() throws IOException {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        tensors.put("f32", sample(DType.F32, 7, 17));
        tensors.put("bf16", sample(DType.BF16, 33));
        tensors.put("f16", sample(DType.F16, 1, 3, 5));
        tensors.put("i32", Tensor.ofInts(new int[] {Integer.MIN_VALUE, -1, 0, 7, Integer.MAX_VALUE}, 5));
        tensors.put("i64", Tensor.ofLongs(new long[] {Long.MIN_VALUE, -1, 1L << 40, Long.MAX_VALUE}, 2, 2));
        tensors.put("scalar", Tensor.scalar(3.5f));
        tensors.put("empty", Tensor.zeros(DType.BF16, 0, 4));
        Path file = dir.resolve("all.safetensors");
        SafetensorsWriter.write(file, tensors, Map.of("format", "pt"));

        assertEquals(0, headerLength(file) % 8, "header padded so the data section is 8-byte aligned");
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            assertEquals(Map.of("format", "pt"), f.metadata());
            assertEquals(tensors.keySet(), Set.copyOf(f.names()));
            for (var e : tensors.entrySet()) {
                Tensor t = f.tensor(e.getKey());
                assertSameTensor(e.getValue(), t);
                assertTrue(t.storage().isReadOnly(), "mapped view must be read-only");
                assertTrue(t.storage().segment().isMapped(), "tensor must view the mapping, not a copy");
                // The reference's sort order keeps every tensor aligned to its element size.
                assertEquals(0, f.info(e.getKey()).offset() % e.getValue().dtype().elementBytes(), e.getKey() + " misaligned");
            }
            assertThrows(UnsupportedOperationException.class, () -> f.tensor("f32").set(1f, 0, 0));
            IllegalArgumentException missing = assertThrows(IllegalArgumentException.class, () -> f.tensor("nope"));
            assertTrue(missing.getMessage().contains("all.safetensors") && missing.getMessage().contains("'nope'"));
        }
    }

    private static long headerLength(Path file) throws IOException {
        byte[] b = Files.readAllBytes(file);
        return ByteBuffer.wrap(b, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
    }

    @Test
    void nonContiguousInputsAreWrittenInLogicalOrder() throws IOException {
        Tensor base = sample(DType.F32, 4, 6);
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        tensors.put("transposed", base.transpose(0, 1));
        tensors.put("narrowed", base.narrow(1, 2, 3));
        tensors.put("expanded", sample(DType.BF16, 1, 5).expand(3, 5));
        tensors.put("selected", base.select(1, 4));
        Path file = dir.resolve("views.safetensors");
        SafetensorsWriter.write(file, tensors);
        try (TensorSource f = Safetensors.open(file)) {
            for (var e : tensors.entrySet()) assertSameTensor(e.getValue().contiguous(), f.tensor(e.getKey()));
        }
    }

    /** The byte vector from the reference implementation's own unit test (safetensors tensor.rs, test_serialization). */
    @Test
    void matchesTheReferenceWritersBytes() throws IOException {
        Path file = dir.resolve("ref.safetensors");
        SafetensorsWriter.write(file, Map.of("attn.0", Tensor.of(new float[] {0, 1, 2, 3, 4, 5}, 1, 2, 3)));
        byte[] expected = {
            64, 0, 0, 0, 0, 0, 0, 0, 123, 34, 97, 116, 116, 110, 46, 48, 34, 58, 123, 34, 100,
            116, 121, 112, 101, 34, 58, 34, 70, 51, 50, 34, 44, 34, 115, 104, 97, 112, 101, 34,
            58, 91, 49, 44, 50, 44, 51, 93, 44, 34, 100, 97, 116, 97, 95, 111, 102, 102, 115,
            101, 116, 115, 34, 58, 91, 48, 44, 50, 52, 93, 125, 125, 0, 0, 0, 0, 0, 0, (byte) 128, 63,
            0, 0, 0, 64, 0, 0, 64, 64, 0, 0, (byte) 128, 64, 0, 0, (byte) 160, 64};
        assertArrayEquals(expected, Files.readAllBytes(file));

        // test_empty: no tensors gives "{}" padded with six spaces.
        Path empty = dir.resolve("empty.safetensors");
        SafetensorsWriter.write(empty, Map.of());
        assertArrayEquals(new byte[] {8, 0, 0, 0, 0, 0, 0, 0, 123, 125, 32, 32, 32, 32, 32, 32}, Files.readAllBytes(empty));
        try (SafetensorsFile f = SafetensorsFile.open(empty)) {
            assertEquals(List.of(), f.names());
        }
    }

    @Test
    void sortsByDtypeAlignmentThenName() throws IOException {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        tensors.put("a_f16", sample(DType.F16, 3));
        tensors.put("z_i64", Tensor.ofLongs(new long[] {1}, 1));
        tensors.put("b_bf16", sample(DType.BF16, 3));
        tensors.put("c_f32", sample(DType.F32, 1));
        tensors.put("a_f32", sample(DType.F32, 1));
        tensors.put("i32", Tensor.ofInts(new int[] {1}, 1));
        Path file = dir.resolve("sorted.safetensors");
        SafetensorsWriter.write(file, tensors);
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            List<String> byOffset = f.names().stream().sorted(java.util.Comparator.comparingLong(n -> f.info(n).offset())).toList();
            assertEquals(List.of("z_i64", "a_f32", "c_f32", "i32", "b_bf16", "a_f16"), byOffset);
        }
        String header = new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
        assertTrue(header.startsWith("{\"z_i64\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[0,8]}", 8));
    }

    @Test
    void writerRefusesQuantizedAndReservedNamesWithoutLeavingFiles() throws IOException {
        Path file = dir.resolve("q.safetensors");
        Tensor q = sample(DType.F32, 2, 32).to(DType.Q8_0);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SafetensorsWriter.write(file, Map.of("w", q)));
        assertTrue(e.getMessage().contains("'w'") && e.getMessage().contains("Q8_0"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> SafetensorsWriter.write(file, Map.of("__metadata__", sample(DType.F32, 1))));
        try (var listing = Files.list(dir)) {
            assertEquals(List.of(), listing.toList(), "no file and no temp file may be left behind");
        }
    }

    @Test
    void rewriteReplacesAtomicallyAndLeavesNoTempFiles() throws IOException {
        Path file = dir.resolve("m.safetensors");
        SafetensorsWriter.write(file, Map.of("x", sample(DType.F32, 3)));
        SafetensorsWriter.write(file, Map.of("y", sample(DType.BF16, 5)));
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            assertEquals(List.of("y"), f.names());
        }
        try (var listing = Files.list(dir)) {
            assertEquals(List.of(file), listing.toList());
        }
    }

    @Test
    void failureWhileWritingDataKeepsTheOldFileAndRemovesTheTemp() throws IOException {
        Path file = dir.resolve("keep.safetensors");
        SafetensorsWriter.write(file, Map.of("old", sample(DType.F32, 3)));
        byte[] before = Files.readAllBytes(file);
        Path other = dir.resolve("src.safetensors");
        SafetensorsWriter.write(other, Map.of("w", sample(DType.F32, 4)));
        Tensor stale;
        try (SafetensorsFile f = SafetensorsFile.open(other)) {
            stale = f.tensor("w");
        }
        Files.delete(other);
        // The mapping is gone, so reading the tensor's bytes fails half-way through the write.
        assertThrows(IllegalStateException.class, () -> SafetensorsWriter.write(file, Map.of("new", stale)));
        assertArrayEquals(before, Files.readAllBytes(file));
        try (var listing = Files.list(dir)) {
            assertEquals(List.of(file), listing.toList());
        }
    }

    @Test
    void readerAcceptsAnyPaddingAndUnsortedOffsets() throws IOException {
        // Hand-made: unaligned header (no padding), tensors listed out of offset order, a file a
        // non-reference writer could produce and the reference reader accepts.
        String header = "{\"__metadata__\":null,\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[2,6]},\"a\":{\"dtype\":\"BF16\",\"shape\":[],\"data_offsets\":[0,2]}}";
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + 6).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h).putShort((short) 0x3FC0).putFloat(-2.25f);
        Path file = dir.resolve("hand.safetensors");
        Files.write(file, b.array());
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            assertEquals(List.of("b", "a"), f.names());
            assertEquals(1.5f, f.tensor("a").get());
            assertEquals(-2.25f, f.tensor("b").get(0));
        }
    }
}
