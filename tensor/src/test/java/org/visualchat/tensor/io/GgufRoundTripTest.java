package org.visualchat.tensor.io;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.visualchat.tensor.DType;
import org.visualchat.tensor.Tensor;

class GgufRoundTripTest {
    @TempDir
    Path dir;

    @Test
    void writerOutputMatchesTheSpecByteForByte() throws IOException {
        float[] values = {1, 2, 3, 4, 5, 6, 7, 8};
        Path file = dir.resolve("tiny.gguf");
        new GgufWriter()
                .put("general.architecture", GgufValue.string("llama"))
                .addTensor("w", Tensor.of(values, 2, 4)) // torch shape [2, 4] -> ggml ne [4, 2]
                .write(file);
        GgufBytes expected = new GgufBytes().header(3, 1, 1)
                .str("general.architecture").u32(8).str("llama")
                .tensor("w", 0, 0, 4, 2)
                .padTo(32);
        ByteBuffer data = ByteBuffer.allocate(32).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) data.putFloat(v);
        expected.raw(data.array());
        assertArrayEquals(expected.bytes(), Files.readAllBytes(file));

        try (GgufFile g = GgufFile.open(file)) {
            assertEquals(3, g.version());
            assertEquals(32, g.alignment());
            assertEquals("llama", g.metadata().getString("general.architecture"));
            Tensor w = g.tensor("w");
            assertArrayEquals(new int[] {2, 4}, w.shape());
            assertEquals(7f, w.get(1, 2));
            assertTrue(w.storage().isReadOnly() && w.storage().segment().isMapped());
        }
    }

    @Test
    void everyTensorTypeAndMetadataTypeRoundTrips() throws IOException {
        Tensor f32 = Tensor.randn(1, 1f, 3, 64);
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        tensors.put("f32", f32);
        tensors.put("f16", f32.to(DType.F16));
        tensors.put("bf16", f32.to(DType.BF16));
        tensors.put("q8_0", f32.to(DType.Q8_0));
        tensors.put("q4_0", f32.to(DType.Q4_0));
        tensors.put("i32", Tensor.ofInts(new int[] {-5, 0, 5}, 3));
        tensors.put("i64", Tensor.ofLongs(new long[] {Long.MIN_VALUE, Long.MAX_VALUE}, 1, 2));
        tensors.put("transposed", f32.transpose(0, 1));
        tensors.put("scalar", Tensor.scalar(-1.5f));
        tensors.put("empty", Tensor.zeros(0, 7));
        tensors.put("rank4", Tensor.randn(2, 1f, 2, 1, 3, 2));

        Map<String, GgufValue> meta = new LinkedHashMap<>();
        meta.put("u8", GgufValue.of(GgufType.UINT8, 255));
        meta.put("i8", GgufValue.of(GgufType.INT8, -128));
        meta.put("u16", GgufValue.of(GgufType.UINT16, 65535));
        meta.put("i16", GgufValue.of(GgufType.INT16, -32768));
        meta.put("u32", GgufValue.u32(4294967295L));
        meta.put("i32", GgufValue.i32(-7));
        meta.put("u64", GgufValue.u64(-1L));
        meta.put("i64", GgufValue.of(GgufType.INT64, Long.MIN_VALUE));
        meta.put("f32", GgufValue.f32(1e-5f));
        meta.put("f64", GgufValue.of(GgufType.FLOAT64, Math.PI));
        meta.put("bool", GgufValue.bool(true));
        meta.put("str", GgufValue.string("héllo \uD83E\uDD99"));
        meta.put("tokens", GgufValue.array(GgufType.STRING, List.of("<unk>", "<s>", "</s>", "▁the")));
        meta.put("scores", GgufValue.array(GgufType.FLOAT32, List.of(0f, -1.5f, 3.25f)));
        meta.put("types", GgufValue.array(GgufType.INT32, List.of(2, 3, 3, 1)));
        meta.put("flags", GgufValue.array(GgufType.BOOL, List.of(true, false)));
        meta.put("none", GgufValue.array(GgufType.UINT64, List.of()));
        meta.put("general.alignment", GgufValue.u32(64));

        GgufWriter w = new GgufWriter();
        meta.forEach(w::put);
        tensors.forEach(w::addTensor);
        Path file = dir.resolve("all.gguf");
        w.write(file);

        try (GgufFile g = GgufFile.open(file)) {
            assertEquals(64, g.alignment());
            assertEquals(meta, g.metadata().asMap());
            assertEquals(List.copyOf(meta.keySet()), List.copyOf(g.metadata().keys()));
            assertEquals(4294967295L, g.metadata().getLong("u32"));
            assertEquals(-7, g.metadata().getLong("i32"));
            assertEquals(1e-5f, (float) g.metadata().getDouble("f32"));
            assertEquals(List.of(0.0, -1.5, 3.25), g.metadata().getList("scores"));
            assertEquals(List.copyOf(tensors.keySet()), g.names());
            for (var e : tensors.entrySet()) {
                Tensor back = g.tensor(e.getKey());
                assertEquals(0, g.info(e.getKey()).offset() % 64);
                SafetensorsRoundTripTest.assertSameTensor(e.getValue().contiguous(), back);
                if (e.getValue().dtype().isQuantized()) {
                    assertEquals(e.getValue().segment().mismatch(back.segment()), -1L, "quantized blocks must be byte-identical");
                }
            }
        }
    }

    @Test
    void typedGettersNameTheFileAndKey() throws IOException {
        Path file = dir.resolve("m.gguf");
        new GgufWriter().put("llama.block_count", GgufValue.u32(32)).put("name", GgufValue.string("x")).write(file);
        try (GgufFile g = GgufFile.open(file)) {
            assertEquals(32, g.metadata().getLong("llama.block_count"));
            assertEquals(10000.0, g.metadata().getDouble("llama.rope.freq_base", 10000.0));
            IllegalArgumentException wrongType = assertThrows(IllegalArgumentException.class, () -> g.metadata().getLong("name"));
            assertTrue(wrongType.getMessage().contains("m.gguf") && wrongType.getMessage().contains("'name' is STRING, expected an integer"), wrongType.getMessage());
            IllegalArgumentException missing = assertThrows(IllegalArgumentException.class, () -> g.metadata().getString("general.name"));
            assertTrue(missing.getMessage().contains("missing GGUF metadata key 'general.name'"), missing.getMessage());
            assertEquals(List.of(), g.names());
        }
    }

    @Test
    void writerRejectsWhatReadersWouldRefuse() {
        GgufWriter w = new GgufWriter();
        assertThrows(IllegalArgumentException.class, () -> w.addTensor("x".repeat(64), Tensor.zeros(1)));
        assertThrows(IllegalArgumentException.class, () -> w.addTensor("r5", Tensor.zeros(1, 1, 1, 1, 1)));
        w.addTensor("a", Tensor.zeros(1));
        assertThrows(IllegalArgumentException.class, () -> w.addTensor("a", Tensor.zeros(1)));
        assertThrows(IllegalArgumentException.class, () -> GgufValue.of(GgufType.UINT8, 256));
        assertThrows(IllegalArgumentException.class, () -> GgufValue.of(GgufType.UINT32, -1));
        assertThrows(IllegalArgumentException.class, () -> GgufValue.of(GgufType.STRING, 3));
        assertThrows(IllegalArgumentException.class, () -> GgufValue.array(GgufType.ARRAY, List.of()));
        w.put("general.alignment", GgufValue.u32(48));
        assertThrows(IllegalArgumentException.class, () -> w.write(dir.resolve("x.gguf")));
    }
}
