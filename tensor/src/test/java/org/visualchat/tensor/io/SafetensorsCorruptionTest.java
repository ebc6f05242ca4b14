package org.visualchat.tensor.io;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.visualchat.tensor.Tensor;

/** Every malformed file fails at open with a TensorFileException naming the file and, where there is one, the tensor. */
class SafetensorsCorruptionTest {
    @TempDir
    Path dir;

    /** u64 header length + header bytes + {@code dataBytes} zero bytes. */
    private Path file(byte[] header, long declaredLength, int dataBytes) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(8 + header.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(declaredLength).put(header);
        Path p = dir.resolve("bad.safetensors");
        Files.write(p, b.array());
        return p;
    }

    private Path file(String header, int dataBytes) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        return file(h, h.length, dataBytes);
    }

    private static String entry(String name, String dtype, String shape, long begin, long end) {
        return "\"" + name + "\":{\"dtype\":\"" + dtype + "\",\"shape\":" + shape + ",\"data_offsets\":[" + begin + "," + end + "]}";
    }

    private static String failure(Path p, String... fragments) {
        TensorFileException e = assertThrows(TensorFileException.class, () -> SafetensorsFile.open(p).close());
        String m = e.getMessage();
        assertTrue(m.startsWith(p.toString()), "message must name the file: " + m);
        assertEquals(p, e.file());
        for (String f : fragments) assertTrue(m.contains(f), "expected '" + f + "' in: " + m);
        return m;
    }

    @Test
    void truncatedFile() throws IOException {
        Path good = dir.resolve("good.safetensors");
        SafetensorsWriter.write(good, Map.of("w", Tensor.zeros(4, 4), "b", Tensor.zeros(4)));
        byte[] all = Files.readAllBytes(good);
        Path cut = dir.resolve("cut.safetensors");
        Files.write(cut, Arrays.copyOf(all, all.length - 3));
        TensorFileException e = assertThrows(TensorFileException.class, () -> SafetensorsFile.open(cut));
        assertTrue(e.getMessage().contains("tensor 'w'") && e.getMessage().contains("run past the end"), e.getMessage());
        Files.write(cut, Arrays.copyOf(all, 5));
        assertTrue(assertThrows(TensorFileException.class, () -> SafetensorsFile.open(cut)).getMessage().contains("too short for the 8-byte header length"));
        Files.write(cut, Arrays.copyOf(all, 20));
        assertTrue(assertThrows(TensorFileException.class, () -> SafetensorsFile.open(cut)).getMessage().contains("runs past the end of the file"));
    }

    @Test
    void headerLengthPastEofOrOverTheLimit() throws IOException {
        failure(file("{}".getBytes(StandardCharsets.UTF_8), 1000, 0), "header length 1000 runs past the end of the file (10 bytes)");
        failure(file("{}".getBytes(StandardCharsets.UTF_8), 100_000_001, 0), "exceeds the limit of 100000000");
        failure(file("{}".getBytes(StandardCharsets.UTF_8), -1, 0), "not a safetensors file: header length 18446744073709551615 exceeds");
    }

    /** A JSON file where safetensors are expected (config.json for model.safetensors) is named as such, not as a huge header. */
    @Test
    void aJsonFileIsNamedAsOne() throws IOException {
        Path json = dir.resolve("config.json");
        Files.writeString(json, "{\n  \"hidden_size\": 32, \"vocab_size\": 1000\n}\n");
        assertEquals(json + ": is not a safetensors file (it looks like JSON)", failure(json));
    }

    @Test
    void badJsonAndBadUtf8() throws IOException {
        failure(file("{\"a\":", 0), "header is not valid JSON", "unexpected end of input");
        failure(file("[1,2]", 0), "header is not a JSON object");
        byte[] badUtf8 = "{\"\u00e9\":1}".getBytes(StandardCharsets.UTF_8);
        badUtf8[3] = (byte) 0x28; // second byte of é replaced: C3 28 is malformed
        failure(file(badUtf8, badUtf8.length, 0), "invalid UTF-8 at byte 2");
    }

    @Test
    void duplicateKeys() throws IOException {
        failure(file("{" + entry("w", "F32", "[1]", 0, 4) + "," + entry("w", "F32", "[1]", 4, 8) + "}", 8), "duplicate key \"w\"");
    }

    @Test
    void offsetsOutOfRange() throws IOException {
        failure(file("{" + entry("w", "F32", "[2]", 0, 8) + "}", 4), "tensor 'w'", "run past the end of the data section (4 bytes");
        failure(file("{" + entry("w", "F32", "[1]", 4, 0) + "}", 4), "tensor 'w'", "end before they begin");
        failure(file("{" + entry("w", "F32", "[1]", -4, 0) + "}", 4), "tensor 'w'", "non-negative integers");
        failure(file("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4,8]}}", 4), "tensor 'w'", "must be [begin, end]");
    }

    @Test
    void overlappingTensors() throws IOException {
        failure(file("{" + entry("a", "F32", "[2]", 0, 8) + "," + entry("b", "F32", "[2]", 4, 12) + "}", 12),
                "tensor 'b'", "overlapping tensor 'a'");
    }

    @Test
    void gapBetweenTensorsAndUncoveredBytes() throws IOException {
        failure(file("{" + entry("a", "F32", "[1]", 0, 4) + "," + entry("b", "F32", "[1]", 8, 12) + "}", 12),
                "tensor 'b'", "gap of 4 bytes between tensor 'a'");
        failure(file("{" + entry("a", "F32", "[1]", 4, 8) + "}", 8), "tensor 'a'", "gap of 4 bytes between the start of the data section");
        failure(file("{" + entry("a", "F32", "[1]", 0, 4) + "}", 6), "2 bytes after the last tensor 'a' are not covered");
    }

    @Test
    void wrongByteSizeForDtype() throws IOException {
        failure(file("{" + entry("w", "BF16", "[2,3]", 0, 24) + "}", 24), "tensor 'w'", "dtype BF16 shape [2, 3] needs 12 bytes", "span 24");
    }

    @Test
    void unknownAndUnsupportedDtypes() throws IOException {
        failure(file("{" + entry("mask", "BOOL", "[4]", 0, 4) + "}", 4), "unsupported dtype BOOL for tensor 'mask'");
        failure(file("{" + entry("w", "F31", "[1]", 0, 4) + "}", 4), "unknown dtype F31 for tensor 'w'");
        failure(file("{\"w\":{\"shape\":[1],\"data_offsets\":[0,4]}}", 4), "tensor 'w'", "missing or non-string \"dtype\"");
    }

    @Test
    void malformedShapesAndMetadata() throws IOException {
        failure(file("{" + entry("w", "F32", "[-1]", 0, 4) + "}", 4), "tensor 'w'", "\"shape\" must hold non-negative integers");
        failure(file("{" + entry("w", "F32", "[1.5]", 0, 4) + "}", 4), "tensor 'w'", "\"shape\" must hold non-negative integers");
        failure(file("{" + entry("w", "F32", "[65536,65536]", 0, 4) + "}", 4), "tensor 'w'", "more than 2^31-1 elements");
        failure(file("{\"w\":[]}", 0), "tensor 'w'", "entry is not a JSON object");
        failure(file("{\"__metadata__\":{\"format\":1}}", 0), "__metadata__ value for \"format\" is not a string");
    }

    @Test
    void missingFileIsAnIOExceptionNamingIt() {
        Path p = dir.resolve("absent.safetensors");
        IOException e = assertThrows(IOException.class, () -> Safetensors.open(p));
        assertTrue(e.getMessage().contains("absent.safetensors"), e.getMessage());
        TensorFileException d = assertThrows(TensorFileException.class, () -> Safetensors.open(dir));
        assertTrue(d.getMessage().contains("neither model.safetensors.index.json nor model.safetensors"), d.getMessage());
    }
}
