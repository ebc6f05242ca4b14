package org.visualchat.mmca.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Runs the command line in-process, capturing stdout and stderr together, and checks the exit code. */
final class CliRun {
    private CliRun() {}

    static String run(int expectedExit, String... args) {
        PrintStream out = System.out, err = System.err;
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        PrintStream capture = new PrintStream(buffer, true, StandardCharsets.UTF_8);
        System.setOut(capture);
        System.setErr(capture);
        try {
            assertEquals(expectedExit, Main.run(args), () -> buffer.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
        return buffer.toString(StandardCharsets.UTF_8);
    }
}
