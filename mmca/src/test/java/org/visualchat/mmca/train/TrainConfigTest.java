package org.visualchat.mmca.train;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.visualchat.mmca.attention.MmcaMode;
import org.visualchat.nn.optim.LrSchedule;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TrainConfigTest {
    @Test
    void defaultsAreTheReferencesWithTenPercentWarmup() throws Exception {
        TrainConfig c = TrainConfig.resolve(null, Map.of());
        assertEquals(1e-3, c.learningRate());
        assertEquals(1e-3, c.embedLearningRate(), "0 means: same as learning_rate");
        assertEquals(LrSchedule.Kind.COSINE, c.scheduler());
        assertEquals(0.1, c.warmup());
        assertEquals(1.0, c.gradientClipping());
        assertEquals(6, c.epochs());
        assertEquals(MmcaMode.STRICT, c.attention());
        assertEquals("baseline", c.visProj());
        assertEquals(0.9, c.trainSplit());
    }

    @Test
    void flagsOverrideTheJsonFileWhichOverridesDefaults(@TempDir Path dir) throws Exception {
        Path json = dir.resolve("c.json");
        Files.writeString(json, "{\"num_train_epochs\": 3, \"learning_rate\": 0.02, \"attention\": \"reference\", \"gradient_checkpointing\": true}");
        TrainConfig c = TrainConfig.resolve(json, Map.of("num_train_epochs", 5));
        assertEquals(5, c.epochs());
        assertEquals(0.02, c.learningRate());
        assertEquals(MmcaMode.REFERENCE, c.attention());
        assertTrue(c.gradientCheckpointing());
        assertEquals(5, c.toMap().get("num_train_epochs"));
    }

    @Test
    void badValuesNameTheOption(@TempDir Path dir) throws Exception {
        Path json = dir.resolve("c.json");
        Files.writeString(json, "{\"epochs\": 3}");
        var e = assertThrows(IllegalArgumentException.class, () -> TrainConfig.resolve(json, Map.of()));
        assertTrue(e.getMessage().contains("unknown training option 'epochs'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> TrainConfig.resolve(null, Map.of("per_device_train_batch_size", 2.5)));
        assertTrue(e.getMessage().contains("per_device_train_batch_size must be an integer"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> TrainConfig.resolve(null, Map.of("precision", "half")));
        assertTrue(e.getMessage().contains("precision must be fp32, bf16 or fp16, got 'half'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> TrainConfig.resolve(null, Map.of("vis_proj", "mlp")));
        assertTrue(e.getMessage().contains("vis_proj"), e.getMessage());
    }

    /** A trained model folder's config.json is read through resolve too: its bad fields name the file. */
    @Test
    void badValuesInTheJsonFileNameTheFile(@TempDir Path dir) throws Exception {
        Path json = dir.resolve("config.json");
        Files.writeString(json, "{\"vis_proj\": \"bogus\"}");
        var e = assertThrows(IllegalArgumentException.class, () -> TrainConfig.resolve(json, Map.of()));
        assertEquals(json + ": vis_proj must be baseline, vit or perceiver, got 'bogus'", e.getMessage());
        Files.writeString(json, "{\"attention\": 5}");
        e = assertThrows(IllegalArgumentException.class, () -> TrainConfig.resolve(json, Map.of()));
        assertEquals(json + ": attention must be a string, got 5", e.getMessage());
    }

    @Test
    void progressLineShowsBarMetricsAndEta() {
        assertEquals("epoch 1/2 [######..................] 25/100  loss 2.000  ETA 0:00:30",
                ProgressBar.render("epoch 1/2", 25, 100, "loss 2.000", 10));
        assertEquals("1:01:01", ProgressBar.clock(3661));
    }
}
