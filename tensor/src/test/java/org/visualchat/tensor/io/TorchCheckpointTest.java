package org.visualchat.tensor.io;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.visualchat.tensor.DType;
import org.visualchat.tensor.Tensor;

/**
 * Reads fixtures written by src/test/python/make_torch_fixtures.py, whose data.pkl streams are what
 * Python's own pickler emits for torch's reduce tuples. Storage element i holds ((7 i) mod 23)/2 − 5.
 */
class TorchCheckpointTest {
    @TempDir
    Path dir;

    static Path fixture(String name) {
        try {
            return Path.of(TorchCheckpointTest.class.getResource("torch/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static float pattern(long i) {
        return ((7 * i) % 23) * 0.5f - 5f;
    }

    /** Every element of {@code t} equals the pattern at offset + Σ index·stride: an independent strided walk. */
    private static void assertPatternView(Tensor t, long offset, int[] shape, int[] stride) {
        assertArrayEquals(shape, t.shape());
        int n = (int) Arrays.stream(shape).asLongStream().reduce(1, (a, b) -> a * b);
        float[] actual = t.toFloatArray();
        int[] idx = new int[shape.length];
        for (int k = 0; k < n; k++) {
            long at = offset;
            for (int d = 0; d < shape.length; d++) at += (long) idx[d] * stride[d];
            assertEquals(pattern(at), actual[k], "element " + Arrays.toString(idx));
            for (int d = shape.length - 1; d >= 0 && ++idx[d] == shape[d]; d--) idx[d] = 0;
        }
    }

    @Test
    void stateDictWithEveryDtypeAndView() throws IOException {
        for (String file : List.of("state_dict.pth", "protocol4.pth")) {
            try (TorchCheckpoint ckpt = TorchCheckpoint.open(fixture(file))) {
                assertEquals(List.of("w_f32", "w_f16", "w_bf16", "ids", "i32", "rows_1_2", "transposed", "column", "expanded", "scalar", "empty"), ckpt.names());
                assertEquals(DType.F32, ckpt.tensor("w_f32").dtype());
                assertPatternView(ckpt.tensor("w_f32"), 0, new int[] {3, 5}, new int[] {5, 1});
                assertEquals(DType.F16, ckpt.tensor("w_f16").dtype());
                assertPatternView(ckpt.tensor("w_f16"), 0, new int[] {4, 8}, new int[] {8, 1});
                assertEquals(DType.BF16, ckpt.tensor("w_bf16").dtype());
                assertPatternView(ckpt.tensor("w_bf16"), 0, new int[] {2, 3, 4}, new int[] {12, 4, 1});
                assertPatternView(ckpt.tensor("rows_1_2"), 5, new int[] {2, 5}, new int[] {5, 1});
                Tensor transposed = ckpt.tensor("transposed");
                assertFalse(transposed.isContiguous());
                assertPatternView(transposed, 0, new int[] {5, 3}, new int[] {1, 5});
                assertPatternView(ckpt.tensor("column"), 2, new int[] {3}, new int[] {5});
                assertPatternView(ckpt.tensor("expanded"), 4, new int[] {2, 3}, new int[] {0, 1});

                Tensor ids = ckpt.tensor("ids");
                assertEquals(DType.I64, ids.dtype());
                long[] expected = new long[7];
                for (int i = 0; i < 7; i++) expected[i] = i * 3_000_000_000L - 5;
                assertArrayEquals(expected, ids.toLongArray());
                assertEquals(DType.I32, ckpt.tensor("i32").dtype());
                assertArrayEquals(new long[] {1, -6, -13, -20}, ckpt.tensor("i32").toLongArray());

                assertEquals(0, ckpt.tensor("scalar").rank());
                assertEquals(2.5f, ckpt.tensor("scalar").get());
                assertArrayEquals(new int[] {0, 4}, ckpt.tensor("empty").shape());

                // float64 is listed as unsupported, not silently dropped
                assertFalse(ckpt.contains("f64"));
                assertTrue(ckpt.unsupported().get("f64").contains("torch.float64"));
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ckpt.tensor("f64"));
                assertTrue(e.getMessage().contains(file) && e.getMessage().contains("torch.float64"), e.getMessage());
                assertTrue(assertThrows(IllegalArgumentException.class, () -> ckpt.tensor("nope")).getMessage().contains("no tensor named 'nope'"));

                // tensors are read-only views of the mapping: no copy, no writes
                assertTrue(ckpt.tensor("w_f32").storage().isReadOnly());
                assertThrows(UnsupportedOperationException.class, () -> ckpt.tensor("w_f32").set(1f, 0, 0));
                TensorInfo info = ckpt.info("rows_1_2");
                assertEquals(0, info.offset() % 4);
                assertEquals(10 * 4, info.byteSize());
            }
        }
    }

    @Test
    void storagesStartOn64ByteBoundariesAsTorchWritesThem() throws IOException {
        try (TorchCheckpoint ckpt = TorchCheckpoint.open(fixture("state_dict.pth"))) {
            for (String name : List.of("w_f32", "w_f16", "w_bf16", "ids", "i32", "scalar")) assertEquals(0, ckpt.info(name).offset() % 64, name);
        }
    }

    @Test
    void nestedCheckpointFlattensWithDots() throws IOException {
        try (TorchCheckpoint ckpt = TorchCheckpoint.open(fixture("nested.pth"))) {
            assertEquals(List.of("model.tok_embeddings.weight", "model.layers.0.norm", "model.v3", "history.0"), ckpt.names());
            assertEquals(DType.F16, ckpt.tensor("model.tok_embeddings.weight").dtype());
            assertPatternView(ckpt.tensor("model.tok_embeddings.weight"), 0, new int[] {3, 4}, new int[] {4, 1});
            assertPatternView(ckpt.tensor("model.layers.0.norm"), 8, new int[] {4}, new int[] {1});
            assertPatternView(ckpt.tensor("history.0"), 1, new int[] {2}, new int[] {2});
            // _rebuild_tensor_v3: an UntypedStorage of bytes viewed as bfloat16 from element 1
            Tensor v3 = ckpt.tensor("model.v3");
            assertEquals(DType.BF16, v3.dtype());
            assertPatternView(v3, 1, new int[] {5}, new int[] {1});
            assertTrue(ckpt.unsupported().isEmpty());
        }
    }

    @Test
    void closedCheckpointRefusesAccess() throws IOException {
        TorchCheckpoint ckpt = TorchCheckpoint.open(fixture("state_dict.pth"));
        Tensor w = ckpt.tensor("w_f32");
        ckpt.close();
        assertThrows(IllegalStateException.class, () -> w.get(0, 0));
    }

    private static String failure(Path p, String... fragments) {
        TensorFileException e = assertThrows(TensorFileException.class, () -> TorchCheckpoint.open(p).close());
        String m = e.getMessage();
        assertTrue(m.startsWith(p.toString()), "message must name the file: " + m);
        for (String f : fragments) assertTrue(m.contains(f), "expected '" + f + "' in: " + m);
        return m;
    }

    @Test
    void corruptFilesFailWithClearMessages() {
        failure(fixture("bad_opcode.pth"), "archive/data.pkl", "at byte 2", "0x69 'i'", "not an opcode torch.save emits");
        failure(fixture("evil_global.pth"), "archive/data.pkl", "global 'os.system' is not allowed");
        failure(fixture("deflated.pth"), "archive/data/0", "compressed (method 8, deflate)");
        failure(fixture("out_of_range.pth"), "tensor 'w'", "elements 1..6 lie outside storage archive/data/0 of 6 elements");
        failure(fixture("missing_storage.pth"), "tensor 'w'", "storage entry archive/data/0 is missing");
        failure(fixture("storage_size.pth"), "tensor 'w'", "archive/data/0 holds 20 bytes", "torch.FloatStorage of 6 elements (24 bytes)");
        failure(fixture("big_endian.pth"), "archive/byteorder says 'big'");
        failure(fixture("legacy.pth"), "legacy torch.save format");
    }

    @Test
    void truncatedAndDamagedZips() throws IOException {
        byte[] all = Files.readAllBytes(fixture("state_dict.pth"));
        Path cut = dir.resolve("cut.pth");
        for (int keep : new int[] {all.length - 1, all.length / 2, 30, 3}) {
            Files.write(cut, Arrays.copyOf(all, keep));
            failure(cut, keep >= 22 ? "no zip end-of-central-directory record" : "not a torch.save checkpoint");
        }
        Files.write(cut, "not a zip file at all, just text that is long enough".getBytes());
        failure(cut, "not a torch.save checkpoint");

        // a flipped bit inside data.pkl is caught by the CRC before the unpickler sees it
        byte[] flipped = all.clone();
        int pkl = indexOf(all, "collections".getBytes());
        flipped[pkl] ^= 1;
        Path bad = dir.resolve("crc.pth");
        Files.write(bad, flipped);
        failure(bad, "archive/data.pkl: CRC-32 mismatch");
    }

    @Test
    void tensorSourceOpenTellsFormatsApartAndReadsTorchShardIndexes() throws IOException {
        try (TensorSource s = TensorSource.open(fixture("state_dict.pth"))) {
            assertInstanceOf(TorchCheckpoint.class, s);
        }
        Path gguf = dir.resolve("w.bin");
        new GgufWriter().addTensor("w", Tensor.zeros(2, 32)).write(gguf);
        try (TensorSource s = TensorSource.open(gguf)) {
            assertInstanceOf(GgufFile.class, s);
        }
        Path safetensors = dir.resolve("w.pth");   // extensions do not decide
        SafetensorsWriter.write(safetensors, java.util.Map.of("w", Tensor.zeros(2, 3)));
        try (TensorSource s = TensorSource.open(safetensors)) {
            assertInstanceOf(SafetensorsFile.class, s);
        }
        assertTrue(assertThrows(TensorFileException.class, () -> TensorSource.open(fixture("legacy.pth"))).getMessage().contains("legacy torch.save format"));

        Files.copy(fixture("state_dict.pth"), dir.resolve("pytorch_model-00001-of-00002.bin"));
        Files.copy(fixture("nested.pth"), dir.resolve("pytorch_model-00002-of-00002.bin"));
        Files.writeString(dir.resolve(TensorSource.TORCH_INDEX_FILE), """
                {"metadata": {"total_size": 1}, "weight_map": {
                  "w_f32": "pytorch_model-00001-of-00002.bin",
                  "transposed": "pytorch_model-00001-of-00002.bin",
                  "model.layers.0.norm": "pytorch_model-00002-of-00002.bin"}}""");
        try (TensorSource s = TensorSource.open(dir)) {
            assertInstanceOf(ShardedCheckpoint.class, s);
            assertEquals(List.of("w_f32", "transposed", "model.layers.0.norm"), s.names());
            assertPatternView(s.tensor("transposed"), 0, new int[] {5, 3}, new int[] {1, 5});
            assertPatternView(s.tensor("model.layers.0.norm"), 8, new int[] {4}, new int[] {1});
        }
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) if (haystack[i + j] != needle[j]) continue outer;
            return i;
        }
        throw new AssertionError("not found");
    }
}
