package org.visualchat.mmca.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** {@code visualchat plan} prints one row per stage with the cost model's figures; bad options are one-line errors. */
class PlanCommandTest {
    private static String run(int expectedExit, String... args) {
        return CliRun.run(expectedExit, args);
    }

    @Test
    void partitioning70BFrozenWeightsShowsTheirGatherTraffic() {
        String text = run(0, "plan", "--llm", "llama2-70b", "--vision", "qwen-vit-bigg", "--world", "8", "--stage", "3", "--frozen", "partitioned");
        // 7/8 · (2·(68,714,504,192 + 275,783,680) + 1,844,055,296) · 2 B = 244.693 GB all-gathered per rank.
        String row = text.lines().filter(l -> l.startsWith("3 ")).findFirst().orElseThrow(() -> new AssertionError(text));
        assertTrue(row.contains("244.693"), row);
        assertTrue(text.contains("68,714,504,192"), text);
    }

    @Test
    void everyStageByDefaultAndNamedErrors() {
        String text = run(0, "plan", "--llm", "llama2-7b", "--world", "4");
        for (String s : new String[] {"0 ", "1 ", "2 ", "3 "}) assertTrue(text.lines().anyMatch(l -> l.startsWith(s)), text);
        assertTrue(run(1, "plan", "--llm", "gpt-5").contains("--llm: unknown model 'gpt-5'"));
        assertTrue(run(1, "plan", "--world", "0").contains("--world must be >= 1, got 0"));
        // Every option is checked before the table starts.
        assertEquals("visualchat plan: --stage must be between 0 and 3, got 4\n", run(1, "plan", "--stage", "2,4"));
        assertEquals("visualchat plan: --prefetch must be >= 0, got -1\n", run(1, "plan", "--prefetch", "-1"));
        assertEquals("visualchat plan: --gbps must be a positive finite number, got NaN\n", run(1, "plan", "--gbps", "NaN"));
        assertEquals("visualchat plan: --gbps must be a positive finite number, got Infinity\n", run(1, "plan", "--gbps", "Infinity"));
    }
}
