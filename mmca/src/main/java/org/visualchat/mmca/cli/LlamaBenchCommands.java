package org.visualchat.mmca.cli;

import org.visualchat.llama.model.KvCache;
import org.visualchat.llama.model.LlamaConfig;
import org.visualchat.llama.model.LlamaModel;
import org.visualchat.mmca.bench.LlamaWorkload;
import org.visualchat.mmca.bench.PrefillProfile;
import org.visualchat.mmca.bench.Probes;
import org.visualchat.mmca.bench.ReadBandwidth;
import org.visualchat.mmca.bench.StreamProbe;
import org.visualchat.mmca.bench.Stopwatch;
import org.visualchat.mmca.bench.Threads;
import org.visualchat.nn.AttentionPolicy;
import org.visualchat.tensor.DType;
import org.visualchat.tensor.Tensor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * {@code visualchat bench decode|prefill}: whole-model LLaMA speed on a TinyLlama-1.1B-shaped model with
 * random weights (written once per weight type to a cache directory as GGUF, then memory-mapped). Decode
 * is compared with the memory-bandwidth bound measured in the same run (weight bytes per token ÷ read
 * bandwidth), prefill with the FMA peak.
 */
final class LlamaBenchCommands {
    private LlamaBenchCommands() {}

    /** Options shared by both benchmarks. */
    static final class ModelOptions {
        @Option(names = "--dtypes", split = ",", description = "Weight types (default: ${DEFAULT-VALUE}).")
        DType[] dtypes = {DType.F32, DType.BF16, DType.Q8_0, DType.Q4_0};

        @Option(names = "--shape", description = "hidden,layers,heads,kvHeads,ffn,vocab (default TinyLlama-1.1B: ${DEFAULT-VALUE}).")
        String shape = "2048,22,32,4,5632,32000";

        @Option(names = "--dir", description = "Where the random-weight GGUF files are written and reused (default: ${DEFAULT-VALUE}).")
        Path dir = Path.of(System.getProperty("java.io.tmpdir"), "visualchat-bench");

        LlamaConfig config() {
            String[] parts = shape.split(",");
            if (parts.length != 6) throw new IllegalArgumentException("--shape '" + shape + "': expected hidden,layers,heads,kvHeads,ffn,vocab");
            int[] v = new int[6];
            for (int i = 0; i < 6; i++) {
                try {
                    v[i] = Integer.parseInt(parts[i].trim());
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("--shape '" + shape + "': '" + parts[i] + "' is not an integer");
                }
            }
            return new LlamaConfig(v[0], v[4], v[1], v[2], v[3], 1e-5f, 10000f, v[5], 4096, false);
        }

        /** Opens (writing first if needed) the model of each requested type in turn, after that type's kernels have warmed up on a small model ({@link LlamaWorkload#warmUp}), and measures it. */
        void forEachModel(Consumer<LlamaWorkload> measure) {
            for (DType type : dtypes) {
                try {
                    LlamaWorkload.warmUp(dir, type);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                try (LlamaWorkload w = new LlamaWorkload(dir, config(), type, line -> System.out.println("# " + line))) {
                    measure.accept(w);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }
    }

    @Command(name = "decode", mixinStandardHelpOptions = true,
            description = "Decode tokens/s (one token per step after a short prompt) against the memory-bandwidth bound, and resident memory against mapped weights + KV cache + 10%%.")
    static final class Decode implements Runnable {
        @Mixin
        BenchCommand.Common common = new BenchCommand.Common();

        @Mixin
        ModelOptions model = new ModelOptions();

        /**
         * Decode steps timed per round at least. A step of the 1.1B model takes about 0.1 s, so the default 0.4 s
         * timed three or four: Q4_0 on one thread read 7.6–12.5 tokens/s over seven fresh JVMs that way, and
         * 10.8–12.6 over seven with rounds of 3 s (Zen 4, session 14).
         */
        static final int MIN_STEPS = 20;

        @Option(names = "--context", description = "Cached positions each measured step attends to (default: ${DEFAULT-VALUE}).")
        int context = 16;

        @Option(names = "--sequences", description = "Also decode this many sequences per step together (LlamaModel.inferEach) and compare with one; 1 = off (default: ${DEFAULT-VALUE}).")
        int sequences = 1;

        @Override
        public void run() {
            model.config(); // a bad --shape fails before anything is measured
            for (int threads : common.threads) Threads.check(threads);
            if (sequences < 1) throw new IllegalArgumentException("--sequences must be >= 1, got " + sequences);
            common.printConditions();
            System.out.printf("# each round times at least %d decode steps%n", MIN_STEPS);
            try (ReadBandwidth bandwidth = new ReadBandwidth(common.threads)) {
                System.out.println("# " + bandwidth.describe());
                for (int threads : common.threads) bandwidth.measure(threads, common.seconds);
                model.forEachModel(w -> measure(w, bandwidth));
            }
        }

        private void measure(LlamaWorkload w, ReadBandwidth bandwidth) {
            LlamaModel m = w.model();
            KvCache cache = w.cache(context + 1);
            cache.truncate(0);
            m.infer(w.tokens(context), cache, null);
            Tensor next = w.tokens(1);
            Runnable step = () -> {
                cache.truncate(context);
                m.inferLast(next, cache, null);
            };
            double megabytes = w.weightBytesPerToken() / 1e6;
            for (int threads : common.threads) {
                double[] tps = new double[common.rounds];
                ReadBandwidth.Sample[] memory = new ReadBandwidth.Sample[common.rounds];
                for (int r = 0; r < common.rounds; r++) {
                    memory[r] = bandwidth.measure(threads, common.seconds);
                    tps[r] = 1 / Stopwatch.medianSeconds(() -> Threads.call(threads, step), common.seconds, MIN_STEPS);
                }
                ReadBandwidth.Sample bw = ReadBandwidth.Sample.median(memory);
                double t = Stopwatch.median(tps), bound = bw.best() * 1e3 / megabytes;
                System.out.printf("decode %-4s threads=%d  %6.2f tok/s  (%3.0f%% of the bandwidth bound %.2f tok/s = %.1f GB/s / %.0f MB per token; java probe %.1f, numpy %.1f GB/s)%n",
                        w.type, threads, t, 100 * t / bound, bound, bw.best(), megabytes, bw.java(), bw.numpy());
            }
            if (sequences > 1) measureSequences(w, step);
            // The probe's buffer is ours but not the model's: say so next to the figures it inflates.
            System.out.printf("%s (anonymous includes the bandwidth probe's %.0f MiB buffer)%n", w.memoryReport(), StreamProbe.BYTES / 1048576.0);
        }

        /**
         * One step of {@link #sequences} sequences at once (each its own cache, one matrix product per weight)
         * against the single-sequence step, interleaved in each round so the ratio shares the machine's state.
         */
        private void measureSequences(LlamaWorkload w, Runnable single) {
            LlamaModel m = w.model();
            KvCache[] caches = new KvCache[sequences];
            for (int i = 0; i < sequences; i++) {
                caches[i] = m.newCache(1, context + 1, DType.F32);
                m.infer(w.tokens(context), caches[i], null);
            }
            Tensor next = w.tokens(sequences).reshape(sequences, 1, w.config.hiddenSize());
            Runnable batched = () -> {
                for (KvCache c : caches) c.truncate(context);
                m.inferEach(next, caches, new AttentionPolicy[sequences]);
            };
            for (int threads : common.threads) {
                double[] one = new double[common.rounds], together = new double[common.rounds];
                for (int r = 0; r < common.rounds; r++) {
                    one[r] = 1 / Stopwatch.medianSeconds(() -> Threads.call(threads, single), common.seconds);
                    together[r] = sequences / Stopwatch.medianSeconds(() -> Threads.call(threads, batched), common.seconds);
                }
                double a = Stopwatch.median(one), b = Stopwatch.median(together);
                System.out.printf("decode %-4s threads=%d  %d sequences together: %6.2f tok/s in all vs %6.2f tok/s for one (%.2fx)%n",
                        w.type, threads, sequences, b, a, b / a);
            }
        }
    }

    @Command(name = "prefill", mixinStandardHelpOptions = true,
            description = "Prefill tokens/s (one forward pass over a prompt) against the FMA peak.")
    static final class Prefill implements Runnable {
        @Mixin
        BenchCommand.Common common = new BenchCommand.Common();

        @Mixin
        ModelOptions model = new ModelOptions();

        @Option(names = "--tokens", description = "Prompt length (default: ${DEFAULT-VALUE}).")
        int tokens = 128;

        @Option(names = "--repeats", description = "Timed prefills per round after one warm-up; the fastest counts (default: ${DEFAULT-VALUE}).")
        int repeats = 2;

        @Option(names = "--profile", description = "Then run this many prefills on one thread under JFR and print where the time goes, by model part and GEMM stage (default: off).")
        int profile = 0;

        /**
         * One warm-up call, then the fastest of {@link #repeats}: a 128-token prefill of a 1.1B model takes
         * seconds, too long for {@link Stopwatch}'s minimum of five calls per figure on a shared machine.
         */
        private double fastestSeconds(Runnable op) {
            op.run();
            double best = Double.POSITIVE_INFINITY;
            for (int i = 0; i < Math.max(1, repeats); i++) {
                long t0 = System.nanoTime();
                op.run();
                best = Math.min(best, (System.nanoTime() - t0) / 1e9);
            }
            return best;
        }

        @Override
        public void run() {
            model.config(); // a bad --shape fails before anything is measured
            for (int threads : common.threads) Threads.check(threads);
            common.printConditions();
            model.forEachModel(this::measure);
        }

        private void measure(LlamaWorkload w) {
            LlamaModel m = w.model();
            KvCache cache = w.cache(tokens);
            Tensor prompt = w.tokens(tokens);
            Runnable prefill = () -> {
                cache.truncate(0);
                m.inferLast(prompt, cache, null);
            };
            LlamaConfig c = w.config;
            // 2 FLOPs per weight of every matrix but the embedding table, per token (attention excluded).
            double flopsPerToken = 2.0 * ((double) c.layers() * c.layerMatrixWeights() + (double) c.vocabSize() * c.hiddenSize() / tokens);
            for (int threads : common.threads) {
                double[] tps = new double[common.rounds], peak = new double[common.rounds];
                for (int r = 0; r < common.rounds; r++) {
                    peak[r] = Probes.fmaPeakGflops(threads, common.seconds);
                    tps[r] = tokens / fastestSeconds(() -> Threads.call(threads, prefill));
                }
                double t = Stopwatch.median(tps), p = Stopwatch.median(peak), gflops = t * flopsPerToken / 1e9;
                System.out.printf("prefill %-4s threads=%d  %d tokens  %7.1f tok/s  (%.1f GFLOP/s, %3.0f%% of FMA peak %.1f)%n",
                        w.type, threads, tokens, t, gflops, 100 * gflops / p, p);
            }
            if (profile > 0) {
                PrefillProfile.Counts counts = PrefillProfile.sample(() -> Threads.call(1, () -> {
                    for (int i = 0; i < profile; i++) prefill.run();
                }));
                System.out.printf("profile %-4s threads=1  %d prefills, %d JFR samples; share of all samples by model part:%n", w.type, profile, counts.samples());
                PrefillProfile.Counts.lines(counts.parts(), counts.samples()).forEach(line -> System.out.println("  " + line));
                System.out.println("  by GEMM stage (every matrix product of the model together):");
                PrefillProfile.Counts.lines(counts.gemmStages(), counts.samples()).forEach(line -> System.out.println("    " + line));
            }
        }
    }
}
