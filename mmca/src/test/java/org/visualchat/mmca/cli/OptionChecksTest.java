package org.visualchat.mmca.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Output paths that cannot be written are refused before a command loads or trains anything (the model folders here are empty). */
class OptionChecksTest {
    @Test
    void evalOutThatIsADirectoryOrUnderAFileFailsFirst(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("file"), "");
        String[] common = {"eval", "--model", dir.toString(), "--data", file.toString(), "--out"};
        assertEquals("visualchat eval: --out " + dir + ": is a directory\n", CliRun.run(1, concat(common, dir.toString())));
        Path under = file.resolve("res.csv");
        assertEquals("visualchat eval: --out " + under + ": " + file + " is not a directory\n", CliRun.run(1, concat(common, under.toString())));
        // A file that does not exist yet, in folders that do not exist yet, is fine.
        OptionChecks.outputFile("--out", dir.resolve("a/b/res.csv"));
        OptionChecks.outputDirectory("--output_dir", dir.resolve("a/b"));
        var e = assertThrows(IllegalArgumentException.class, () -> OptionChecks.outputDirectory("--output_dir", file));
        assertTrue(e.getMessage().endsWith(file + ": exists and is not a directory"), e.getMessage());
    }

    @Test
    void demoDirThatIsAFileFailsBeforeTheBanner(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("file"), "");
        assertEquals("visualchat demo: --dir " + file + ": exists and is not a directory\n",
                CliRun.run(1, "demo", "--small", "--no-chat", "--dir", file.toString()));
    }

    private static String[] concat(String[] a, String b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + 1);
        out[a.length] = b;
        return out;
    }
}
