package org.visualchat.mmca.cli;

import org.visualchat.mmca.bench.EncoderWorkload;
import org.visualchat.mmca.bench.GemmWorkload;
import org.visualchat.mmca.bench.Stopwatch;
import org.visualchat.mmca.bench.Threads;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code visualchat bench vit}: frozen vision-encoder throughput (images/s) for CLIP ViT-L/14-224 and the
 * QWen-VL bigG/14-448 tower, with random weights, as GFLOP/s next to the GFLOP/s of the encoder's own
 * dominant GEMM shape measured in the same run (the kernel bound the encoder can approach). Deep models
 * can be timed with fewer layers (every layer is the same work); the full-depth images/s printed is
 * then an estimate at the measured GFLOP/s.
 */
@Command(name = "vit", mixinStandardHelpOptions = true,
        description = "Vision encoder images/s and GFLOP/s against the GEMM GFLOP/s of the same run.")
final class VitBenchCommand implements Runnable {
    @Mixin
    BenchCommand.Common common = new BenchCommand.Common();

    @Option(names = "--models", split = ",", description = "clip and/or qwen (default: ${DEFAULT-VALUE}).")
    String[] models = {"clip", "qwen"};

    @Option(names = "--clip-layers", description = "CLIP ViT-L layers to run, of 24 (default: ${DEFAULT-VALUE}).")
    int clipLayers = 24;

    @Option(names = "--qwen-layers", description = "QWen bigG layers to run, of 48 (default: ${DEFAULT-VALUE}; the resampler always runs).")
    int qwenLayers = 2;

    @Option(names = "--batch", description = "Images per forward pass (default: ${DEFAULT-VALUE}).")
    int batch = 1;

    @Option(names = "--warmup", description = "Untimed forward passes first, so the JIT has compiled every kernel (default: ${DEFAULT-VALUE}).")
    int warmup = 2;

    @Option(names = "--repeats", description = "Timed forward passes per measurement; the median is reported (default: ${DEFAULT-VALUE}).")
    int repeats = 3;

    @Override
    public void run() {
        if (batch < 1 || repeats < 1 || warmup < 0) throw new IllegalArgumentException("--batch and --repeats must be >= 1, --warmup >= 0");
        check(clipLayers, 24, "--clip-layers");
        check(qwenLayers, 48, "--qwen-layers");
        for (String m : models) {
            if (!m.trim().equals("clip") && !m.trim().equals("qwen")) throw new IllegalArgumentException("unknown model '" + m + "' (known: clip, qwen)");
        }
        for (int threads : common.threads) Threads.check(threads);
        List<EncoderWorkload> workloads = new ArrayList<>();
        for (String m : models) {
            workloads.add(m.trim().equals("clip") ? EncoderWorkload.clipL14(clipLayers, batch) : EncoderWorkload.qwenBigG(qwenLayers, batch));
        }
        common.printConditions();
        System.out.printf("# %d warm-up passes, then %d rounds of (gemm for %.2f s, one timed forward pass); medians%n", warmup, repeats, common.seconds);
        for (EncoderWorkload w : workloads) {
            GemmWorkload gemm = new GemmWorkload(w.dominantGemm);
            for (int threads : common.threads) {
                for (int i = 0; i < warmup; i++) Threads.call(threads, w);
                // Interleaved rounds (GEMM, then one forward pass) so that both see the same machine load.
                double[] gemmRates = new double[repeats], passSeconds = new double[repeats];
                for (int r = 0; r < repeats; r++) {
                    gemmRates[r] = gemm.flops() / Stopwatch.medianSeconds(() -> Threads.call(threads, gemm), common.seconds) / 1e9;
                    long t0 = System.nanoTime();
                    Threads.call(threads, w);
                    passSeconds[r] = (System.nanoTime() - t0) / 1e9;
                }
                double seconds = Stopwatch.median(passSeconds), gemmRate = Stopwatch.median(gemmRates);
                double rate = w.flopsPerImage * w.batch / seconds / 1e9;
                String depth = w.layers == w.fullLayers ? "" : String.format("  (%d of %d layers; full depth est. %.3f images/s)",
                        w.layers, w.fullLayers, rate * 1e9 / w.fullFlopsPerImage);
                System.out.printf("vit %-20s threads=%d  batch=%d  %7.3f images/s  %6.1f GFLOP/s = %3.0f%% of gemm %s %.1f GFLOP/s%s%n",
                        w.name, threads, w.batch, w.batch / seconds, rate, 100 * rate / gemmRate, gemm.name, gemmRate, depth);
            }
        }
    }

    private static void check(int layers, int max, String option) {
        if (layers < 0 || layers > max) throw new IllegalArgumentException(option + " must be in 0.." + max + ", got " + layers);
    }
}
