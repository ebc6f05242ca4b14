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
        // Chance (each type's most frequent training answer, the table's chance column) is 0-50 % per type and
        // 24 % over this size's 156 questions; an untrained projection stays near it. Session 7 measured strict
        // 43.6 %, reference 44.2 %, causal 41.7 % (LM+captions 46.8 %): the bar is 1.5x chance for every variant.
        for (MmcaMode mode : MmcaMode.values()) {
            assertTrue(results.get(mode).accuracy() > 0.36, mode + " " + results.get(mode).accuracy() + "\n" + log);
        }
    }
}
