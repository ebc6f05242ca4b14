package org.visualchat.mmca.demo;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
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
}
