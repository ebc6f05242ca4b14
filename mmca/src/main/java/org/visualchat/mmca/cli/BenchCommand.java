package org.visualchat.mmca.cli;

import org.visualchat.mmca.bench.GemmWorkload;
import org.visualchat.mmca.bench.MatVecWorkload;
import org.visualchat.mmca.bench.NumpyPeer;
import org.visualchat.mmca.bench.Probes;
import org.visualchat.mmca.bench.ReadBandwidth;
import org.visualchat.mmca.bench.Stopwatch;
import org.visualchat.mmca.bench.Threads;
import org.visualchat.tensor.DType;
import org.visualchat.tensor.WorkerPool;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * {@code visualchat bench gemm|matvec|decode|prefill|vit|collectives|train|demo|zero}: kernel, model and collective throughput on this
 * machine, each figure next to what the machine (or numpy) does in the same run — on a shared host only such ratios
 * mean anything.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Measure kernel, model and collective throughput.",
        subcommands = {BenchCommand.Gemm.class, BenchCommand.MatVec.class,
                LlamaBenchCommands.Decode.class, LlamaBenchCommands.Prefill.class, VitBenchCommand.class,
                CollectivesBenchCommand.class, TrainBenchCommand.class, DemoBenchCommand.class, ZeroBenchCommand.class})
public final class BenchCommand {

    /** One comment line: JVM, cores, pool size, vector width and the load average (figures mean little without it). */
    static void printMachine() {
        String load = "?";
        try {
            load = Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (IOException | RuntimeException ignored) {
            // not Linux: the load average is informative only
        }
        System.out.printf("# %s %s (%s), %d cores, pool %d threads, %d-bit vectors, load average %s%n",
                System.getProperty("java.vm.vendor"), System.getProperty("java.vm.name"), System.getProperty("java.runtime.version"),
                Runtime.getRuntime().availableProcessors(), WorkerPool.get().threads(),
                jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.vectorBitSize(), load);
    }

    /** Options both benchmarks share. Field initialisers are the defaults, also when built without picocli. */
    static final class Common {
        @Option(names = "--threads", split = ",", description = "Thread counts to measure: 1 and/or the pool size (VC_THREADS; default: both).")
        int[] threads = WorkerPool.get().threads() == 1 ? new int[] {1} : new int[] {1, WorkerPool.get().threads()};

        @Option(names = "--seconds", description = "Timed seconds per measurement (default: ${DEFAULT-VALUE}).")
        double seconds = 0.4;

        @Option(names = "--rounds", description = "Interleaved rounds per shape; medians are reported (default: ${DEFAULT-VALUE}).")
        int rounds = 3;

        void printConditions() {
            printMachine();
            System.out.printf("# medians of %d interleaved rounds of %.2f s each%n", rounds, seconds);
        }
    }

    @Command(name = "gemm", mixinStandardHelpOptions = true,
            description = "SGEMM GFLOP/s against the FMA peak and against numpy (OpenBLAS) in the same run.")
    static final class Gemm implements Runnable {
        @Mixin
        Common common = new Common();

        @Option(names = "--shapes", split = ",", description = "MxNxK (A·B) or MxNxKt (A·Bᵀ, B stored [N, K]); default: ${DEFAULT-VALUE}.")
        String[] shapes = {"1024x1024x1024", "64x2048x2048t", "64x5632x2048t", "256x2048x2048t", "256x5632x2048t"};

        @Override
        public void run() {
            GemmWorkload[] workloads = new GemmWorkload[shapes.length];
            for (int i = 0; i < shapes.length; i++) workloads[i] = new GemmWorkload(shapes[i]);
            for (int threads : common.threads) Threads.check(threads);
            common.printConditions();
            for (int threads : common.threads) {
                double peak = Probes.fmaPeakGflops(threads, common.seconds);
                StringBuilder whyNot = new StringBuilder();
                Optional<NumpyPeer> numpy = NumpyPeer.start(threads, whyNot);
                System.out.printf("# threads=%d: FMA peak %.1f GFLOP/s measured; peer: %s%n", threads, peak,
                        numpy.map(p -> p.version() + " (OpenBLAS, AVX-512 kernel allowed)").orElse("none — " + whyNot + "; no ratio"));
                try {
                    for (GemmWorkload op : workloads) measure(op, threads, peak, numpy);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                } finally {
                    numpy.ifPresent(NumpyPeer::close);
                }
            }
        }

        private void measure(GemmWorkload op, int threads, double peak, Optional<NumpyPeer> numpy) throws IOException {
            double flops = op.flops();
            double[] java = new double[common.rounds], peer = new double[common.rounds];
            for (int r = 0; r < common.rounds; r++) {
                java[r] = flops / Stopwatch.medianSeconds(() -> Threads.call(threads, op), common.seconds) / 1e9;
                if (numpy.isPresent()) peer[r] = numpy.get().gflops(op.name, common.seconds * 1.25);
            }
            double j = Stopwatch.median(java);
            String line = String.format("gemm %-16s threads=%d  java %6.1f GFLOP/s (%3.0f%% of FMA peak)", op.name, threads, j, 100 * j / peak);
            if (numpy.isPresent()) {
                double p = Stopwatch.median(peer);
                line += String.format("  numpy %6.1f GFLOP/s  java/numpy %.2f", p, j / p);
            }
            System.out.println(line);
        }
    }

    @Command(name = "matvec", mixinStandardHelpOptions = true,
            description = "Matrix-vector GB/s of weights streamed, against the read bandwidth (Java probe and numpy np.dot) measured in the same run.")
    static final class MatVec implements Runnable {
        @Mixin
        Common common = new Common();

        @Option(names = "--shapes", split = ",", description = "NxK: weight rows × in-features; default: ${DEFAULT-VALUE}.")
        String[] shapes = {"5632x2048", "2048x5632"};

        @Option(names = "--dtypes", split = ",", description = "Weight types; default: ${DEFAULT-VALUE}.")
        DType[] dtypes = {DType.F32, DType.BF16, DType.F16, DType.Q8_0, DType.Q4_0};

        @Option(names = "--working-set-mib", description = "Weight copies cycled per shape so reads come from DRAM, not L3 (default: ${DEFAULT-VALUE}).")
        int workingSetMib = 128;

        @Override
        public void run() {
            for (String shape : shapes) MatVecWorkload.parseShape(shape);
            for (int threads : common.threads) Threads.check(threads);
            common.printConditions();
            try (ReadBandwidth bandwidth = new ReadBandwidth(common.threads)) {
                System.out.println("# " + bandwidth.describe());
                // Compile the probe before the first round counts (its first calls run interpreted).
                for (int threads : common.threads) bandwidth.measure(threads, common.seconds);
                for (String shape : shapes)
                    for (DType type : dtypes) measure(new MatVecWorkload(shape, type, workingSetMib), bandwidth);
            }
        }

        private void measure(MatVecWorkload op, ReadBandwidth bandwidth) {
            for (int threads : common.threads) {
                double[] kernel = new double[common.rounds];
                ReadBandwidth.Sample[] memory = new ReadBandwidth.Sample[common.rounds];
                for (int r = 0; r < common.rounds; r++) {
                    memory[r] = bandwidth.measure(threads, common.seconds);
                    kernel[r] = op.bytes() / Stopwatch.medianSeconds(() -> Threads.call(threads, op), common.seconds) / 1e9;
                }
                double g = Stopwatch.median(kernel);
                ReadBandwidth.Sample bw = ReadBandwidth.Sample.median(memory);
                System.out.printf("matvec %-9s %-4s threads=%d  %6.1f GB/s of weights (%3.0f%% of %s), %.1f MiB x %d copies%n",
                        op.name, op.type, threads, g, 100 * g / bw.best(), bw, op.bytes() / 1048576.0, op.copies());
            }
        }
    }
}
