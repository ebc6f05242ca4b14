package org.visualchat.tests;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.visualchat.mmca.attention.MmcaMode;
import org.visualchat.mmca.demo.DemoConfig;
import org.visualchat.mmca.demo.DemoPipeline;
import org.visualchat.mmca.demo.DemoScores;

/** The demo at its reduced size ({@code visualchat demo --small}) learns: held-out accuracy well above chance. */
@Tag("slow")
@Disabled("measured below the bar so far: strict MMCA 45.5 % at the reduced size, and even reading perfect captions the reduced LLaMA reaches 50 %, near chance on count and same-colour (mmca/docs/demo.md, Results)")
class DemoAccuracyTest {
    @Test
    void reducedDemoLearnsWellAboveChance(@TempDir Path dir) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Map<MmcaMode, DemoScores> results = new DemoPipeline(DemoConfig.reduced(), dir, new PrintStream(bytes, true, StandardCharsets.UTF_8), false).run();
        String log = bytes.toString(StandardCharsets.UTF_8);
        // Chance (each type's most frequent training answer) is 0-50 % per type, about 30 % overall; session 4
        // measured 40-44 % for the LM reading perfect captions, the ceiling of the MMCA variants.
        assertTrue(results.get(MmcaMode.STRICT).accuracy() > 0.5, log);
    }
}
