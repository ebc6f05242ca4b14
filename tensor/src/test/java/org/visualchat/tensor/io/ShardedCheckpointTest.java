package org.visualchat.tensor.io;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.visualchat.tensor.DType;
import org.visualchat.tensor.Tensor;

class ShardedCheckpointTest {
    @TempDir
    Path dir;

    private Map<String, Tensor> checkpoint() {
        Map<String, Tensor> t = new LinkedHashMap<>();
        t.put("model.embed_tokens.weight", SafetensorsRoundTripTest.sample(DType.BF16, 10, 8)); // 160 bytes
        t.put("model.layers.0.mlp.up_proj.weight", SafetensorsRoundTripTest.sample(DType.F32, 8, 8)); // 256 bytes
        t.put("model.norm.weight", SafetensorsRoundTripTest.sample(DType.F32, 8)); // 32 bytes
        t.put("lm_head.weight", SafetensorsRoundTripTest.sample(DType.F16, 10, 8)); // 160 bytes
        return t;
    }

    @Test
    void shardedRoundTripThroughTheIndex() throws IOException {
        Map<String, Tensor> tensors = checkpoint();
        Path index = SafetensorsWriter.writeSharded(dir, tensors, Map.of("format", "pt"), 200);
        assertEquals(dir.resolve(Safetensors.INDEX_FILE), index);
        // 160 | 256 (alone: larger than the limit) | 32+160
        for (String shard : List.of("model-00001-of-00003.safetensors", "model-00002-of-00003.safetensors", "model-00003-of-00003.safetensors")) {
            assertTrue(Files.isRegularFile(dir.resolve(shard)), shard);
        }
        Map<?, ?> json = (Map<?, ?>) Json.read(index);
        assertEquals(Map.of("total_size", 608L), json.get("metadata"));
        assertEquals("model-00003-of-00003.safetensors", ((Map<?, ?>) json.get("weight_map")).get("lm_head.weight"));

        try (TensorSource source = Safetensors.open(dir)) {
            assertInstanceOf(ShardedCheckpoint.class, source);
            assertEquals(3, ((ShardedCheckpoint) source).shards().size());
            assertEquals(tensors.keySet(), java.util.Set.copyOf(source.names()));
            for (var e : tensors.entrySet()) SafetensorsRoundTripTest.assertSameTensor(e.getValue(), source.tensor(e.getKey()));
            assertEquals(DType.F16, source.info("lm_head.weight").dtype());
        }
    }

    @Test
    void oneShardIsWrittenAsAPlainFile() throws IOException {
        Path written = SafetensorsWriter.writeSharded(dir, checkpoint(), Map.of(), 1L << 30);
        assertEquals(dir.resolve(Safetensors.SINGLE_FILE), written);
        assertFalse(Files.exists(dir.resolve(Safetensors.INDEX_FILE)));
        try (TensorSource source = Safetensors.open(dir)) {
            assertInstanceOf(SafetensorsFile.class, source);
            assertEquals(4, source.names().size());
        }
    }

    @Test
    void missingShardNamesTheIndexTensorAndShard() throws IOException {
        Path index = SafetensorsWriter.writeSharded(dir, checkpoint(), Map.of(), 200);
        Files.delete(dir.resolve("model-00002-of-00003.safetensors"));
        TensorFileException e = assertThrows(TensorFileException.class, () -> Safetensors.open(index));
        assertTrue(e.getMessage().startsWith(index.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("shard model-00002-of-00003.safetensors (for tensor 'model.layers.0.mlp.up_proj.weight') does not exist"), e.getMessage());
    }

    @Test
    void tensorMissingFromItsShardOrACorruptShard() throws IOException {
        SafetensorsWriter.write(dir.resolve("a.safetensors"), Map.of("x", Tensor.zeros(2)));
        Path index = dir.resolve("custom.index.json");
        Files.writeString(index, "{\"weight_map\": {\"x\": \"a.safetensors\", \"y\": \"a.safetensors\"}}");
        TensorFileException e = assertThrows(TensorFileException.class, () -> Safetensors.open(index));
        assertTrue(e.getMessage().contains("tensor 'y' is mapped to shard a.safetensors, which does not contain it"), e.getMessage());

        Files.writeString(index, "{\"weight_map\": {\"x\": \"../a.safetensors\"}}");
        assertTrue(assertThrows(TensorFileException.class, () -> Safetensors.open(index)).getMessage().contains("points outside"));

        Files.writeString(index, "{\"metadata\": {}}");
        assertTrue(assertThrows(TensorFileException.class, () -> Safetensors.open(index)).getMessage().contains("missing or non-object \"weight_map\""));

        Files.writeString(index, "{\"weight_map\": {\"x\": \"a.safetensors\",}}");
        TensorFileException json = assertThrows(TensorFileException.class, () -> Safetensors.open(index));
        assertTrue(json.getMessage().startsWith(index.toString()) && json.getMessage().contains("bad JSON"), json.getMessage());

        Files.write(dir.resolve("a.safetensors"), new byte[] {1, 2, 3});
        Files.writeString(index, "{\"weight_map\": {\"x\": \"a.safetensors\"}}");
        TensorFileException shard = assertThrows(TensorFileException.class, () -> Safetensors.open(index));
        assertEquals(dir.resolve("a.safetensors").toAbsolutePath().normalize(), shard.file().toAbsolutePath().normalize());
    }
}
