package org.visualchat.mmca.cli;

import org.visualchat.mmca.bench.NumpyPeer;
import org.visualchat.mmca.bench.Probes;
import org.visualchat.mmca.bench.Stopwatch;
import org.visualchat.mmca.bench.Threads;
import org.visualchat.tensor.DType;
import org.visualchat.tensor.Tensor;
import org.visualchat.tensor.WorkerPool;
import org.visualchat.tensor.ops.MatMul;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * {@code visualchat bench gemm|matvec}: kernel throughput on this machine, each figure next to what the
 * machine (or numpy) does in the same run — on a shared host only such ratios mean anything.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Measure kernel throughput.",
        subcommands = {BenchCommand.Gemm.class, BenchCommand.MatVec.class})
public final class BenchCommand {

    /** Options both benchmarks share. Field initialisers are the defaults, also when built without picocli. */
    static final class Common {
        @Option(names = "--threads", split = ",", description = "Thread counts to measure: 1 and/or the pool size (VC_THREADS; default: both).")
        int[] threads = WorkerPool.get().threads() == 1 ? new int[] {1} : new int[] {1, WorkerPool.get().threads()};

        @Option(names = "--seconds", description = "Timed seconds per measurement (default: ${DEFAULT-VALUE}).")
        double seconds = 0.4;

        @Option(names = "--rounds", description = "Interleaved rounds per shape; medians are reported (default: ${DEFAULT-VALUE}).")
        int rounds = 3;

        void printConditions() {
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
            common.printConditions();
            for (int threads : common.threads) {
                Threads.check(threads);
                double peak = Probes.fmaPeakGflops(threads, common.seconds);
                StringBuilder whyNot = new StringBuilder();
                Optional<NumpyPeer> numpy = NumpyPeer.start(threads, whyNot);
                System.out.printf("# threads=%d: FMA peak %.1f GFLOP/s measured; peer: %s%n", threads, peak,
                        numpy.map(p -> "numpy " + p.version() + " (OpenBLAS, AVX-512 kernel allowed)").orElse("none — " + whyNot + "; no ratio"));
                try {
                    for (String shape : shapes) measure(shape, threads, peak, numpy);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                } finally {
                    numpy.ifPresent(NumpyPeer::close);
                }
            }
        }

        private void measure(String shape, int threads, double peak, Optional<NumpyPeer> numpy) throws IOException {
            Shape s = Shape.parse(shape);
            Tensor a = Tensor.randn(1, 1, s.m, s.k), out = Tensor.zeros(s.m, s.n);
            Tensor b = s.transposed ? Tensor.randn(2, 1, s.n, s.k) : Tensor.randn(2, 1, s.k, s.n);
            Runnable op = s.transposed ? () -> MatMul.linear(a, b, out) : () -> MatMul.matmul(a, b, out);
            double flops = 2.0 * s.m * s.n * s.k;
            double[] java = new double[common.rounds], peer = new double[common.rounds];
            for (int r = 0; r < common.rounds; r++) {
                java[r] = flops / Stopwatch.time(() -> Threads.call(threads, op), common.seconds).medianSeconds() / 1e9;
                if (numpy.isPresent()) peer[r] = numpy.get().gflops(shape, common.seconds * 1.25);
            }
            double j = Stopwatch.median(java);
            String line = String.format("gemm %-16s threads=%d  java %6.1f GFLOP/s (%3.0f%% of FMA peak)", shape, threads, j, 100 * j / peak);
            if (numpy.isPresent()) {
                double p = Stopwatch.median(peer);
                line += String.format("  numpy %6.1f GFLOP/s  java/numpy %.2f", p, j / p);
            }
            System.out.println(line);
        }
    }

    @Command(name = "matvec", mixinStandardHelpOptions = true,
            description = "Matrix-vector GB/s of weights streamed, against the read bandwidth measured in the same run.")
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
            common.printConditions();
            try (Arena arena = Arena.ofShared()) {
                MemorySegment stream = Probes.streamBuffer(arena);
                for (String shape : shapes) {
                    Shape s = Shape.parse(shape + "x1");
                    for (DType type : dtypes) measure(s, type, stream);
                }
            }
        }

        private void measure(Shape s, DType type, MemorySegment stream) {
            int rows = s.m, k = s.n;
            Tensor w = Tensor.uniform(3, -1, 1, rows, k).to(type);
            long bytes = w.storage().byteSize();
            Tensor[] copies = new Tensor[(int) Math.max(1, ((long) workingSetMib << 20) / bytes)];
            copies[0] = w;
            for (int i = 1; i < copies.length; i++) copies[i] = w.copy();
            Tensor x = Tensor.uniform(4, -1, 1, 1, k), y = Tensor.zeros(1, rows);
            int[] next = {0};
            Runnable op = () -> MatMul.linear(x, copies[next[0]++ % copies.length], y);
            for (int threads : common.threads) {
                Threads.check(threads);
                double[] kernel = new double[common.rounds], memory = new double[common.rounds];
                for (int r = 0; r < common.rounds; r++) {
                    memory[r] = Probes.readBandwidthGbs(stream, threads, common.seconds);
                    kernel[r] = bytes / Stopwatch.time(() -> Threads.call(threads, op), common.seconds).medianSeconds() / 1e9;
                }
                double g = Stopwatch.median(kernel), bw = Stopwatch.median(memory);
                System.out.printf("matvec %dx%d %-4s threads=%d  %6.1f GB/s of weights (%3.0f%% of %5.1f GB/s read bandwidth), %d MiB x %d copies%n",
                        rows, k, type, threads, g, 100 * g / bw, bw, bytes >> 20, copies.length);
            }
        }
    }

    /** A GEMM shape: MxNxK, with a trailing t when B is stored transposed ([N, K], a linear layer). */
    record Shape(int m, int n, int k, boolean transposed) {
        static Shape parse(String text) {
            String t = text.trim();
            boolean transposed = t.endsWith("t");
            String[] parts = (transposed ? t.substring(0, t.length() - 1) : t).split("x");
            try {
                if (parts.length != 3) throw new NumberFormatException();
                int m = Integer.parseInt(parts[0]), n = Integer.parseInt(parts[1]), k = Integer.parseInt(parts[2]);
                if (m < 1 || n < 1 || k < 1) throw new NumberFormatException();
                return new Shape(m, n, k, transposed);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bad shape '" + text + "': expected positive MxNxK or MxNxKt, e.g. 1024x1024x1024");
            }
        }
    }
}
