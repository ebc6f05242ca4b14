package org.visualchat.mmca.cli;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;


import static org.junit.jupiter.api.Assertions.assertTrue;

/** The bench commands run end to end on tiny shapes and report one line per shape; bad options fail clearly. */
class BenchCommandTest {
    private static String run(int expectedExit, String... args) {
        return CliRun.capture(expectedExit, args);
    }

    @Test
    @Tag("slow") // starts python3 + numpy
    void gemmPrintsOneLinePerShapeAndThreadCount() {
        String text = run(0, "bench", "gemm", "--shapes", "33x17x65,7x40x9t", "--threads", "1", "--seconds", "0.01", "--rounds", "1");
        assertTrue(text.contains("gemm 33x17x65") && text.contains("gemm 7x40x9t"), text);
        assertTrue(text.contains("GFLOP/s") && text.contains("of FMA peak"), text);
        assertTrue(text.contains("java/numpy") || text.contains("no ratio"), text);
    }

    @Test
    @Tag("slow") // allocates and streams the 256 MiB bandwidth buffer
    void matvecPrintsBandwidthFractions() {
        String text = run(0, "bench", "matvec", "--shapes", "64x96", "--dtypes", "Q8_0,BF16", "--threads", "1",
                "--seconds", "0.01", "--rounds", "1", "--working-set-mib", "1");
        assertTrue(text.contains("matvec 64x96") && text.contains("Q8_0") && text.contains("read bandwidth"), text);
    }

    @Test
    void badShapeIsReportedInOneLine() {
        String text = run(1, "bench", "gemm", "--shapes", "12x3", "--threads", "1");
        assertTrue(text.contains("bad shape '12x3'"), text);
        text = run(1, "bench", "matvec", "--shapes", "64xk", "--threads", "1");
        assertTrue(text.contains("bad shape '64xk'"), text);
    }
}
