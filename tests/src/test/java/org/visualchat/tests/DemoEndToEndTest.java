package org.visualchat.tests;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.visualchat.mmca.attention.MmcaMode;
import org.visualchat.mmca.cli.Main;
import org.visualchat.mmca.demo.DemoConfig;
import org.visualchat.mmca.demo.DemoPipeline;
import org.visualchat.mmca.demo.DemoScores;
import org.visualchat.mmca.eval.EvalCsv;
import org.visualchat.mmca.eval.EvalRow;
import org.visualchat.tensor.io.Json;

/**
 * The demo's machinery end to end at the smoke size (two steps per stage, so the answers are not expected to
 * be right: {@link DemoAccuracyTest} checks learning): every stage runs and is cached, the held-out table is
 * printed, and the model answers through {@code visualchat chat} (driven through standard input) and
 * {@code visualchat eval} (on the example conversations the demo wrote, PNG images included).
 */
class DemoEndToEndTest {
    @TempDir static Path dir;
    static Map<MmcaMode, DemoScores> results;
    static String log;

    @BeforeAll
    static void trainTheTestSizeDemo() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        results = new DemoPipeline(DemoConfig.smoke(), dir, new PrintStream(bytes, true, StandardCharsets.UTF_8), false).run();
        log = bytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void theTableHasEveryVariantAndQuestionType() {
        assertTrue(log.contains("Held-out exact-answer accuracy"), log);
        for (String column : List.of("MMCA strict", "MMCA reference", "causal", "describe image N", "recall an earlier answer", "multi-image questions")) {
            assertTrue(log.contains(column), column + " missing:\n" + log);
        }
        assertEquals(List.of(MmcaMode.STRICT, MmcaMode.REFERENCE, MmcaMode.CAUSAL), List.copyOf(results.keySet()));
    }

    @Test
    void secondRunReusesEveryStage() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        var again = new DemoPipeline(DemoConfig.smoke(), dir, new PrintStream(bytes, true, StandardCharsets.UTF_8), false).run();
        String text = bytes.toString(StandardCharsets.UTF_8);
        assertFalse(text.contains("loss"), "no stage trains again:\n" + text);
        assertEquals(results.get(MmcaMode.STRICT).accuracy(), again.get(MmcaMode.STRICT).accuracy());
    }

    /** A damaged cached stage is named before any stage trains again (here the ViT, whose file is missing). */
    @Test
    void aDamagedCachedStageFailsBeforeAnyTraining(@TempDir Path other) throws Exception {
        Files.copy(dir.resolve("config.json"), other.resolve("config.json"));
        Files.copy(dir.resolve("tokenizer.json"), other.resolve("tokenizer.json"));
        Files.write(other.resolve("llama.safetensors"), new byte[6]);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        IOException e = assertThrows(IOException.class,
                () -> new DemoPipeline(DemoConfig.smoke(), other, new PrintStream(bytes, true, StandardCharsets.UTF_8), false).run());
        assertTrue(e.getMessage().contains("llama.safetensors") && e.getMessage().contains("delete it and run again"), e.getMessage());
        assertFalse(bytes.toString(StandardCharsets.UTF_8).contains("loss"), "nothing trained first");
    }

    @Test
    void chatReplThroughStandardInput() throws Exception {
        Path example = dir.resolve("examples/conversation1-image1.png");
        Path transcript = dir.resolve("chat.json");
        String input = "/image " + example + "\nDescribe image 1.\nHow many red shapes are in image 1?\n/images\n/save " + transcript + "\n/quit\n";
        String out = runMain(input, "chat", "--model", dir.toString());
        assertTrue(out.contains("image 1: " + example), out);
        assertEquals(2, out.lines().filter(l -> l.contains("assistant: ")).count(), out);
        Object saved = Json.read(transcript);
        assertEquals(List.of(List.of("Describe image 1.", example.toString()), List.of("How many red shapes are in image 1?")),
                ((Map<?, ?>) saved).get("chat"));
    }

    @Test
    void evalWritesTheReferenceCsvForTheExamples() throws Exception {
        Path json = dir.resolve("examples/eval.json");
        Path csv = dir.resolve("results.csv");
        runMain("", "eval", "--model", dir.toString(), "--data", json.toString(), "--out", csv.toString(), "--max-new-tokens", "48");
        List<EvalRow> rows = EvalCsv.read(csv);
        Map<?, ?> cases = (Map<?, ?>) Json.read(json);
        int rounds = cases.values().stream().mapToInt(c -> ((List<?>) c).size()).sum();
        assertEquals(rounds, rows.size());
        assertEquals("conversation1", rows.getFirst().testName());
        assertEquals(rows.size(), Files.readAllLines(dir.resolve("examples/expected.txt")).size(), "one expected answer per round");
        for (EvalRow row : rows) assertTrue(Files.exists(Path.of(row.imagePath().split(" ")[0])) || row.imagePath().equals(row.question()), row.toString());
    }

    private static String runMain(String stdin, String... args) {
        InputStream oldIn = System.in;
        PrintStream oldOut = System.out;
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try {
            System.setIn(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)));
            System.setOut(new PrintStream(bytes, true, StandardCharsets.UTF_8));
            assertEquals(0, Main.run(args), () -> bytes.toString(StandardCharsets.UTF_8));
        } finally {
            System.setIn(oldIn);
            System.setOut(oldOut);
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }
}
