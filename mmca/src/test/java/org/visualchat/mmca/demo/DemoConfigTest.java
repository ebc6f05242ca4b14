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
    void aMissingFieldNamesTheFile() {
        Map<String, Object> json = new HashMap<>(DemoConfig.full().toJson());
        json.remove("lmLayers");
        IOException e = assertThrows(IOException.class, () -> DemoConfig.fromJson(json, Path.of("m/config.json")));
        assertEquals("m/config.json: field 'lmLayers' is missing or not a number", e.getMessage());
    }
}
