package org.visualchat.tests;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.visualchat.mmca.attention.MmcaMode;
import org.visualchat.mmca.demo.DemoConfig;
import org.visualchat.mmca.demo.DemoPipeline;
import org.visualchat.mmca.demo.DemoScores;

/** The demo at its reduced size ({@code visualchat demo --small}) learns: held-out accuracy well above chance. */
@Tag("slow")
class DemoAccuracyTest {
    @Test
    void reducedDemoLearnsWellAboveChance(@TempDir Path dir) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Map<MmcaMode, DemoScores> results = new DemoPipeline(DemoConfig.reduced(), dir, new PrintStream(bytes, true, StandardCharsets.UTF_8), false).run();
        String log = bytes.toString(StandardCharsets.UTF_8);
        // Guessing each type's most frequent training answer scores under 25 % over all questions (0 % on
        // descriptions and recalls, at most about half on yes/no and which-image questions).
        assertTrue(results.get(MmcaMode.STRICT).accuracy() > 0.5, log);
    }
}
