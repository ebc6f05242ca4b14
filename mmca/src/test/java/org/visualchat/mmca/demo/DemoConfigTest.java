package org.visualchat.mmca.demo;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import org.visualchat.tensor.DType;
import org.visualchat.tensor.Tensor;
import org.visualchat.tensor.io.SafetensorsWriter;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.visualchat.tensor.io.Json;

class DemoConfigTest {
    @Test
    void jsonRoundTripsThroughText() throws IOException {
        for (DemoConfig c : new DemoConfig[] {DemoConfig.full(), DemoConfig.reduced()}) {
            assertEquals(c, DemoConfig.fromJson((Map<?, ?>) Json.parse(Json.writePretty(c.toJson())), Path.of("config.json")));
        }
        assertNotEquals(DemoConfig.full().cacheKey(), DemoConfig.reduced().cacheKey());
    }

    @Test
    void aFolderHoldsOneSizeOnly(@org.junit.jupiter.api.io.TempDir Path dir) throws IOException {
        DemoModel.claim(dir, DemoConfig.smoke());
        DemoModel.claim(dir, DemoConfig.smoke());
        assertEquals(DemoConfig.smoke(), DemoModel.config(dir));
        IOException e = assertThrows(IOException.class, () -> DemoModel.claim(dir, DemoConfig.reduced()));
        assertTrue(e.getMessage().contains("holds a demo model of other sizes"), e.getMessage());
    }

    @Test
    void aMissingFieldNamesTheFile() {
        Map<String, Object> json = new HashMap<>(DemoConfig.full().toJson());
        json.remove("lmLayers");
        IOException e = assertThrows(IOException.class, () -> DemoConfig.fromJson(json, Path.of("m/config.json")));
        assertEquals("m/config.json: field 'lmLayers' is missing or not a number", e.getMessage());
    }

    @Test
    void aFolderWrittenBeforeTheLaterFieldsReadsWithTheValuesItWasTrainedWith() throws IOException {
        Map<String, Object> json = new HashMap<>(DemoConfig.full().toJson());
        json.remove("lmRopeTheta");
        json.remove("trainShards");
        DemoConfig config = DemoConfig.fromJson(json, Path.of("config.json"));
        assertEquals(1e4, config.lmRopeTheta());
        assertEquals(1, config.trainShards());
        assertEquals(DemoConfig.full().lmSteps(), config.lmSteps());
    }

    @Test
    void withTrainShardsChangesThatFieldOnly() throws IOException {
        Map<String, Object> json = new HashMap<>(DemoConfig.full().toJson());
        json.put("trainShards", 1);
        assertEquals(DemoConfig.fromJson(json, Path.of("config.json")), DemoConfig.full().withTrainShards(1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DemoConfig.full().withTrainShards(0));
        assertEquals("trainShards must be >= 1, got 0", e.getMessage());
    }

    @Test
    void theRopeBaseReachesTheLanguageModel() throws IOException {
        Map<String, Object> json = new HashMap<>(DemoConfig.full().toJson());
        json.put("lmRopeTheta", 1e6);
        DemoConfig config = DemoConfig.fromJson(json, Path.of("config.json"));
        assertEquals(1e6f, LanguagePretraining.modelConfig(config, 100).ropeTheta());
        assertEquals((float) DemoConfig.full().lmRopeTheta(), LanguagePretraining.modelConfig(DemoConfig.full(), 100).ropeTheta());
    }

    @Test
    void anOutOfRangeFieldNamesTheFileAndField() {
        for (Object[] bad : new Object[][] {{"lmHeads", 0}, {"vitHidden", 1e12}, {"lmBatch", 2.5}, {"lmLr", Double.NaN}}) {
            Map<String, Object> json = new HashMap<>(DemoConfig.smoke().toJson());
            json.put((String) bad[0], bad[1]);
            IOException e = assertThrows(IOException.class, () -> DemoConfig.fromJson(json, Path.of("m/config.json")));
            assertTrue(e.getMessage().startsWith("m/config.json: field '" + bad[0] + "' must be a positive "), e.getMessage());
        }
    }

    @Test
    void sizesThatMakeNoModelNameTheFile() {
        Map<String, Object> json = new HashMap<>(DemoConfig.smoke().toJson());
        json.put("lmHidden", 63);
        IOException e = assertThrows(IOException.class, () -> DemoConfig.fromJson(json, Path.of("m/config.json")));
        assertTrue(e.getMessage().startsWith("m/config.json: lmHidden 63 and lmHeads 4 make no LLaMA: "), e.getMessage());
        json.put("lmHidden", 64);
        json.put("vitHidden", 30);
        e = assertThrows(IOException.class, () -> DemoConfig.fromJson(json, Path.of("m/config.json")));
        assertTrue(e.getMessage().startsWith("m/config.json: vitHidden 30 makes no ViT: "), e.getMessage());
    }

    @Test
    void aConfigEditedAwayFromItsWeightsIsNamedBeforeAnyModelIsBuilt(@org.junit.jupiter.api.io.TempDir Path dir) throws IOException {
        DemoConfig smoke = DemoConfig.smoke();
        int vocab = 50;
        Map<String, Tensor> llama = new HashMap<>(Map.of("model.embed_tokens.weight", Tensor.zeros(DType.F32, vocab, smoke.lmHidden())));
        for (int l = 0; l < smoke.lmLayers(); l++) llama.put("model.layers." + l + ".input_layernorm.weight", Tensor.zeros(DType.F32, smoke.lmHidden()));
        SafetensorsWriter.write(dir.resolve(DemoModel.LLAMA), llama);
        Map<String, Tensor> vision = new HashMap<>(Map.of("vision_model.embeddings.patch_embedding.weight",
                Tensor.zeros(DType.F32, smoke.vitHidden(), 3, DemoConfig.PATCH, DemoConfig.PATCH)));
        for (int l = 0; l < smoke.vitLayers(); l++) vision.put("vision_model.encoder.layers." + l + ".layer_norm1.weight", Tensor.zeros(DType.F32, smoke.vitHidden()));
        SafetensorsWriter.write(dir.resolve(DemoModel.VISION), vision);
        DemoModel.checkAgainstWeights(smoke, vocab, dir);

        Map<String, Object> json = new HashMap<>(smoke.toJson());
        json.put("lmHidden", 100_000);
        IOException e = assertThrows(IOException.class, () -> DemoModel.checkAgainstWeights(DemoConfig.fromJson(json, dir.resolve("config.json")), vocab, dir));
        assertTrue(e.getMessage().contains("does not describe " + dir.resolve(DemoModel.LLAMA) + ": its model.embed_tokens.weight is [50, 32], where the config (lmHidden 100000, 50 tokens in the tokenizer) implies [50, 100000]"), e.getMessage());
        json.put("lmHidden", smoke.lmHidden());
        json.put("vitLayers", 1_000_000);
        e = assertThrows(IOException.class, () -> DemoModel.checkAgainstWeights(DemoConfig.fromJson(json, dir.resolve("config.json")), vocab, dir));
        assertTrue(e.getMessage().contains(DemoModel.VISION + ": vitLayers is 1000000 but the file holds 1 layers"), e.getMessage());
        e = assertThrows(IOException.class, () -> DemoModel.checkAgainstWeights(smoke, vocab + 1, dir));
        assertTrue(e.getMessage().contains("51 tokens in the tokenizer"), e.getMessage());
    }
}
