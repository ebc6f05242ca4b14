package org.visualchat.mmca.cli;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;


import static org.junit.jupiter.api.Assertions.assertTrue;

/** The bench commands run end to end on tiny shapes and report one line per shape; bad options fail clearly. */
class BenchCommandTest {
    private static String run(int expectedExit, String... args) {
        return CliRun.run(expectedExit, args);
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
    @Tag("slow") // one CLIP ViT-L layer at 224 px: seconds of compute
    void vitPrintsImagesPerSecondAgainstGemm() {
        String text = run(0, "bench", "vit", "--models", "clip", "--clip-layers", "1", "--threads", "1", "--seconds", "0.01", "--warmup", "0", "--repeats", "1");
        assertTrue(text.contains("vit clip-vit-l/14-224") && text.contains("images/s") && text.contains("of gemm 257x4096x1024t"), text);
        assertTrue(text.contains("1 of 24 layers; full depth est."), text);
    }

    @Test
    void trainPrintsPhasesTokensPerSecondAndTheDecoderShare() {
        String text = run(0, "bench", "train", "--layers", "1", "--warmup", "0", "--steps", "1");
        for (String phase : org.visualchat.mmca.bench.TrainStepWorkload.PHASES) assertTrue(text.contains(phase), text);
        assertTrue(text.contains("656 real tokens") && text.contains("tokens/s") && text.contains("tokens per CPU-second")
                && text.contains("frozen decoder"), text);
        assertTrue(run(1, "bench", "train", "--steps", "0").contains("--steps must be >= 1"));
    }

    @Test
    void vitRejectsBadOptionsInOneLine() {
        assertTrue(run(1, "bench", "vit", "--models", "dino").contains("unknown model 'dino'"));
        assertTrue(run(1, "bench", "vit", "--qwen-layers", "49").contains("--qwen-layers must be in 0..48, got 49"));
    }

    @Test
    void badShapeIsReportedInOneLine() {
        String text = run(1, "bench", "gemm", "--shapes", "12x3", "--threads", "1");
        assertTrue(text.contains("bad shape '12x3'"), text);
        text = run(1, "bench", "matvec", "--shapes", "64xk", "--threads", "1");
        assertTrue(text.contains("bad shape '64xk'"), text);
    }

    @Test
    @Tag("slow") // writes two small GGUF files and streams the 256 MiB bandwidth buffer
    void llamaDecodeAndPrefillReportTokensPerSecond(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
        String decode = run(0, "bench", "decode", "--shape", "64,2,4,2,96,67", "--dtypes", "Q4_0", "--dir", dir.toString(),
                "--threads", "1", "--seconds", "0.01", "--rounds", "1", "--sequences", "3");
        assertTrue(decode.contains("decode Q4_0 threads=1") && decode.contains("of the bandwidth bound"), decode);
        assertTrue(decode.contains("3 sequences together") && decode.contains("memory Q4_0: resident"), decode);
        String prefill = run(0, "bench", "prefill", "--shape", "64,2,4,2,96,67", "--dtypes", "BF16", "--dir", dir.toString(),
                "--threads", "1", "--seconds", "0.01", "--rounds", "1", "--tokens", "8");
        assertTrue(prefill.contains("prefill BF16 threads=1  8 tokens") && prefill.contains("of FMA peak"), prefill);
    }

    @Test
    void badModelShapeIsReportedInOneLine() {
        String text = run(1, "bench", "prefill", "--shape", "64,2,x,2,96,67", "--threads", "1");
        assertTrue(text.contains("--shape '64,2,x,2,96,67': 'x' is not an integer"), text);
    }
}
