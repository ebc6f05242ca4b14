package org.visualchat.tensor.io;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.visualchat.tensor.Tensor;

/** Every malformed GGUF fails at open with a TensorFileException naming the file and the tensor or key at fault. */
class GgufCorruptionTest {
    @TempDir
    Path dir;

    private Path write(byte[] bytes) throws IOException {
        Path p = dir.resolve("bad.gguf");
        Files.write(p, bytes);
        return p;
    }

    private String failure(byte[] bytes, String... fragments) throws IOException {
        Path p = write(bytes);
        TensorFileException e = assertThrows(TensorFileException.class, () -> GgufFile.open(p).close());
        String m = e.getMessage();
        assertTrue(m.startsWith(p.toString()), "message must name the file: " + m);
        for (String f : fragments) assertTrue(m.contains(f), "expected '" + f + "' in: " + m);
        return m;
    }

    /** One F32 tensor of ggml dims ne at offset, with the data section padded to 32 and {@code dataBytes} long. */
    private static byte[] oneTensor(int type, long offset, int dataBytes, long... ne) {
        return new GgufBytes().header(3, 1, 0).tensor("blk.0.attn_q.weight", type, offset, ne).padTo(32).zeros(dataBytes).bytes();
    }

    @Test
    void badMagicAndUnsupportedVersions() throws IOException {
        failure("GGML\3\0\0\0".getBytes(), "not a GGUF file: magic bytes are 47474d4c");
        failure(new byte[] {'G', 'G'}, "not a GGUF file: only 2 bytes");
        failure(new GgufBytes().header(1, 0, 0).bytes(), "GGUF version 1 is not supported (only 2 and 3)");
        failure(new GgufBytes().header(4, 0, 0).bytes(), "GGUF version 4 is not supported");
        failure(new GgufBytes().header(0x03000000L, 0, 0).bytes(), "big-endian GGUF files are not supported");
        // v2 has the same layout as v3 and must load.
        try (GgufFile g = GgufFile.open(write(new GgufBytes().header(2, 0, 1).str("k").u32(4).u32(7).bytes()))) {
            assertEquals(2, g.version());
            assertEquals(7, g.metadata().getLong("k"));
        }
    }

    @Test
    void truncatedFiles() throws IOException {
        Path good = dir.resolve("good.gguf");
        new GgufWriter().put("general.name", GgufValue.string("t")).addTensor("w", Tensor.zeros(4, 64)).write(good);
        byte[] all = Files.readAllBytes(good);
        failure(Arrays.copyOf(all, all.length - 1), "tensor 'w' (F32 [4, 64]) at data offset 0 needs 1024 bytes but the data section is only 1023 bytes");
        failure(Arrays.copyOf(all, 50), "truncated: length of value of metadata 'general.name' needs 8 bytes at offset 48", "the file is 50 bytes long");
        failure(Arrays.copyOf(all, 12), "truncated: tensor count needs 8 bytes at offset 8");
        failure(Arrays.copyOf(all, 20), "tensor count 1 is impossible in a file of 20 bytes");
    }

    @Test
    void impossibleCountsAndLengthsFailBeforeAllocating() throws IOException {
        failure(new GgufBytes().header(3, 1L << 40, 0).bytes(), "tensor count 1099511627776 is impossible");
        failure(new GgufBytes().header(3, 0, -1).bytes(), "metadata count 18446744073709551615 is impossible");
        failure(new GgufBytes().header(3, 0, 1).str("k").u32(9).u32(6).u64(1L << 40).bytes(),
                "metadata array 'k' claims 1099511627776 FLOAT32 elements");
        failure(new GgufBytes().header(3, 0, 1).u64(1L << 50).bytes(), "key of metadata entry 0: string length 1125899906842624 runs past the end");
    }

    @Test
    void malformedMetadata() throws IOException {
        failure(new GgufBytes().header(3, 0, 2).str("k").u32(4).u32(1).str("k").u32(4).u32(2).bytes(), "duplicate metadata key 'k'");
        failure(new GgufBytes().header(3, 0, 1).str("k").u32(13).u32(1).bytes(), "metadata 'k' has unknown value type 13");
        failure(new GgufBytes().header(3, 0, 1).str("k").u32(9).u32(9).u64(0).bytes(), "metadata 'k' is an array of arrays");
        failure(new GgufBytes().header(3, 0, 1).str("k").u32(7).raw((byte) 2).bytes(), "metadata 'k' is a bool with byte value 2");
        failure(new GgufBytes().header(3, 0, 1).u64(2).raw((byte) 0xC3, (byte) 0x28).u32(4).u32(1).bytes(), "key of metadata entry 0 is not valid UTF-8");
        failure(new GgufBytes().header(3, 0, 1).str("general.alignment").u32(4).u32(48).bytes(), "general.alignment 48 is not a power of two");
        failure(new GgufBytes().header(3, 0, 1).str("general.alignment").u32(10).u64(32).bytes(), "general.alignment must be UINT32, got UINT64");
    }

    @Test
    void unsupportedTensorTypeNamesTensorAndType() throws IOException {
        failure(oneTensor(12, 0, 144, 256), "tensor 'blk.0.attn_q.weight' has ggml type 12 (Q4_K), which is not supported");
        failure(oneTensor(77, 0, 4, 1), "tensor 'blk.0.attn_q.weight' has ggml type 77 (unknown)");
    }

    @Test
    void badTensorPlacementAndShape() throws IOException {
        failure(oneTensor(0, 16, 64, 4), "tensor 'blk.0.attn_q.weight' data offset 16 is not a multiple of the alignment 32");
        failure(oneTensor(0, 32, 32, 4), "tensor 'blk.0.attn_q.weight' (F32 [4]) at data offset 32 needs 16 bytes but the data section is only 32 bytes");
        failure(oneTensor(0, 0, 64, 1, 1, 1, 1, 1), "has 5 dims (GGUF allows at most 4)");
        failure(oneTensor(8, 0, 64, 16, 2), "is Q8_0 but its row length 16 is not a multiple of the block size 32");
        failure(oneTensor(0, 0, 64, -1), "dimension 18446744073709551615 exceeds 2^31-1");
        failure(oneTensor(0, 0, 64, 1L << 20, 1L << 20), "hold more than 2^31-1 elements");
        byte[] overlap = new GgufBytes().header(3, 2, 0).tensor("a", 0, 0, 16).tensor("b", 0, 32, 8).padTo(32).zeros(96).bytes();
        failure(overlap, "tensor 'b' at data offset 32 overlaps tensor 'a' [0, 64)");
        byte[] twice = new GgufBytes().header(3, 2, 0).tensor("a", 0, 0, 8).tensor("a", 0, 32, 8).padTo(32).zeros(64).bytes();
        failure(twice, "duplicate tensor name 'a'");
    }
}
