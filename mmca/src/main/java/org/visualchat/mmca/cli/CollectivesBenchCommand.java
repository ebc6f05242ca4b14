package org.visualchat.mmca.cli;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.visualchat.parallel.GroupOptions;
import org.visualchat.parallel.Launcher;
import org.visualchat.parallel.ProcessGroup;
import org.visualchat.parallel.ReduceOp;
import org.visualchat.parallel.Split;
import org.visualchat.tensor.DType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Bus bandwidth of all-reduce, all-gather and reduce-scatter on loopback, with nccl-tests' definitions
 * (distributed.md §3.4): algbw = S/t; busbw = algbw·2(n−1)/n for all-reduce (S = count·size) and
 * algbw·(n−1)/n for all-gather / reduce-scatter (S = total bytes). busbw is the rate at which each rank
 * sends, so it is reported against {@link LoopbackBlast#ring}: the same processes sending to rank+1 and
 * receiving from rank−1 over plain sockets at once, measured right before each sample with as many bytes,
 * once from and into a cache-hot 1 MiB buffer ("ring") and once streaming through message-sized memory
 * ("memring"). The one-way single-socket rate is printed once for reference.
 */
@Command(name = "collectives", mixinStandardHelpOptions = true,
        description = "Bus bandwidth of the Netty collectives vs raw loopback TCP (nccl-tests definitions).")
public final class CollectivesBenchCommand implements Callable<Integer> {
    @Option(names = "--nproc", split = ",", defaultValue = "2,4", description = "World sizes to measure (default: ${DEFAULT-VALUE}).")
    List<Integer> worldSizes;

    @Option(names = "--min-bytes", defaultValue = "1024", description = "Smallest message (default: ${DEFAULT-VALUE}).")
    long minBytes;

    @Option(names = "--max-bytes", defaultValue = "268435456", description = "Largest message (default: ${DEFAULT-VALUE}, 256 MiB).")
    long maxBytes;

    @Option(names = "--factor", defaultValue = "4", description = "Size step factor (default: ${DEFAULT-VALUE}).")
    int factor;

    @Option(names = "--ops", split = ",", defaultValue = "all_reduce,all_gather,reduce_scatter",
            description = "Collectives to measure (default: ${DEFAULT-VALUE}).")
    List<String> ops;

    @Option(names = "--segment-bytes", defaultValue = "" + GroupOptions.DEFAULT_SEGMENT_BYTES,
            description = "Frame payload size the rings pipeline at (default: ${DEFAULT-VALUE}).")
    int segmentBytes;

    @Option(names = "--worker", hidden = true, description = "Internal: run as one rank (set by the launcher).")
    boolean worker;

    @Option(names = "--rounds", defaultValue = "3",
            description = "Alternations of raw-socket ring and collective per size; medians are printed (default: ${DEFAULT-VALUE}).")
    int rounds;

    @Override
    public Integer call() throws Exception {
        if (worker) return runRank();
        System.out.printf("loopback TCP, one socket one way (1 MiB writes, 1 GiB): %.3f GB/s; load average %s%n",
                LoopbackBlast.oneWay(1L << 30), loadAverage());
        int status = 0;
        for (int n : worldSizes) {
            List<String> args = List.of("bench", "collectives", "--worker", "--min-bytes", Long.toString(minBytes), "--max-bytes",
                    Long.toString(maxBytes), "--factor", Integer.toString(factor), "--ops", String.join(",", ops), "--rounds",
                    Integer.toString(rounds), "--segment-bytes", Integer.toString(segmentBytes));
            List<String> cmd = Launcher.javaCommand(List.of("-XX:+UseParallelGC", "-Xmx1g", "-XX:-UseDynamicNumberOfCompilerThreads"),
                    Main.class.getName(), args);
            try (Launcher.Job job = Launcher.start(n, cmd, Map.of("VC_DIST_TIMEOUT_MS", "120000"), null)) {
                status = Math.max(status, job.supervise(Duration.ofSeconds(10), System.err));
            }
        }
        return status;
    }

    private int runRank() throws IOException, InterruptedException {
        GroupOptions options = GroupOptions.fromEnv(System.getenv());
        options = options.withAlgorithmSizes(segmentBytes, Math.min(options.directMaxBytes(), segmentBytes));
        // Shared: the memring yardstick's receiver thread writes into b.
        try (ProcessGroup pg = ProcessGroup.create(options); Arena arena = Arena.ofShared()) {
            int n = pg.size();
            MemorySegment a = arena.allocate(maxBytes, 64), b = arena.allocate(maxBytes, 64);
            if (pg.rank() == 0) {
                System.out.printf("%n%d ranks (F32, %d-byte segments); ring = raw sockets, every rank sending to the next at once"
                        + " from and into one 1 MiB buffer; memring = the same through message-sized buffers; cpu/X = CPU time per byte sent, all ranks, X's over the collective's; medians of %d rounds%n"
                        + "%-15s %12s %10s %10s %10s %10s %10s %10s %12s %13s %11s%n", n, segmentBytes, rounds, "op", "bytes", "time us",
                        "algbw GB/s", "busbw GB/s", "ring GB/s", "busbw/ring", "cpu/ring", "memring GB/s", "busbw/memring", "cpu/memring");
            }
            for (long bytes = minBytes; bytes <= maxBytes; bytes *= factor) {
                long count = bytes / 4 / n * n;
                int iters = (int) Math.max(3, Math.min(50, (256L << 20) / bytes));
                Split split = Split.balanced(count, n);
                long mine = split.count(pg.rank()) * 4;
                Memory memory = new Memory(a.asSlice(0, count * 4), b.asSlice(0, count * 4));
                report(pg, "all_reduce", count * 4, 2.0 * (n - 1) / n, iters, memory, () -> pg.allReduce(a, DType.F32, count, ReduceOp.SUM));
                report(pg, "all_gather", count * 4, (n - 1.0) / n, iters, memory, () -> pg.allGather(b.asSlice(split.offset(pg.rank()) * 4,
                        mine), b, DType.F32, split));
                report(pg, "reduce_scatter", count * 4, (n - 1.0) / n, iters, memory, () -> pg.reduceScatter(a, b.asSlice(0, mine),
                        DType.F32, split, ReduceOp.SUM));
            }
        }
        return 0;
    }

    /** The memring yardstick's source and destination: the collectives' buffers, message-sized. */
    private record Memory(MemorySegment src, MemorySegment dst) {}

    /**
     * Times {@code iters} calls right after the raw-socket rings moving as many bytes per rank, {@link #rounds}
     * times, and prints medians: on a shared machine the load drifts within seconds, so only a yardstick
     * measured next to each sample is comparable with it.
     */
    private void report(ProcessGroup pg, String op, long bytes, double busFactor, int iters, Memory memory, Runnable call)
            throws IOException, InterruptedException {
        if (!ops.contains(op)) return;
        warmUp(pg, Math.max(3, iters / 4), call);
        double sentPerRank = bytes * busFactor * iters;   // busbw is the rate at which each rank sends
        double[] seconds = new double[rounds], busbw = new double[rounds], ring = new double[rounds], memRing = new double[rounds];
        double[] ratio = new double[rounds], cpuRatio = new double[rounds], memRatio = new double[rounds], memCpuRatio = new double[rounds];
        for (int k = 0; k < rounds; k++) {
            long ringBytes = Math.max(8L << 20, (long) sentPerRank);
            LoopbackBlast.Rate raw = LoopbackBlast.ring(pg, ringBytes);
            LoopbackBlast.Rate mem = LoopbackBlast.ring(pg, ringBytes, memory.src(), memory.dst());
            pg.barrier();
            long t0 = System.nanoTime(), cpu0 = LoopbackBlast.cpuNanos();
            for (int i = 0; i < iters; i++) call.run();
            pg.barrier();
            // Rank 0's time including the closing barrier: the slowest rank bounds it, as in nccl-tests' max over ranks.
            double t = (System.nanoTime() - t0) / 1e9;
            LoopbackBlast.Rate r = LoopbackBlast.rate(pg, sentPerRank, t, LoopbackBlast.cpuNanos() - cpu0);
            seconds[k] = t / iters;
            busbw[k] = r.gbps();
            ring[k] = raw.gbps();
            ratio[k] = r.gbps() / raw.gbps();
            cpuRatio[k] = raw.cpuNsPerByte() / r.cpuNsPerByte();
            memRing[k] = mem.gbps();
            memRatio[k] = r.gbps() / mem.gbps();
            memCpuRatio[k] = mem.cpuNsPerByte() / r.cpuNsPerByte();
        }
        if (pg.rank() == 0) {
            double time = median(seconds);
            System.out.printf("%-15s %12d %10.1f %10.3f %10.3f %10.3f %10.2f %10.2f %12.3f %13.2f %11.2f%n", op, bytes, time * 1e6,
                    bytes / time / 1e9, median(busbw), median(ring), median(ratio), median(cpuRatio), median(memRing), median(memRatio),
                    median(memCpuRatio));
        }
    }

    /**
     * Runs batches of {@code calls} calls until no rank's JIT compiled anything during a batch (at most
     * {@link #WARM_UP_NANOS}), not nccl-tests' one call: the first calls of a code path run interpreted or in
     * C1 (one 4 MiB all-reduce measured 900 ms cold, 15–70 ms warm). A fixed number of calls was not enough for
     * large messages: per-frame code runs about a thousand times a second there, and after three 64 MiB calls
     * perf still found a quarter of the collective's user time in the interpreter and C1 code, which the CPU
     * figures count (only the compiler threads themselves are excluded). Ranks agree on each batch by a MAX
     * all-reduce, so they make the same calls.
     */
    private static void warmUp(ProcessGroup pg, int calls, Runnable call) {
        long deadline = System.nanoTime() + WARM_UP_NANOS;
        boolean again = true;
        while (again) {
            long compiled = JIT.getTotalCompilationTime();
            for (int i = 0; i < calls; i++) call.run();
            boolean busy = JIT.getTotalCompilationTime() != compiled && System.nanoTime() < deadline;
            again = pg.allReduce(busy ? 1f : 0f, ReduceOp.MAX) > 0;
        }
    }

    private static final long WARM_UP_NANOS = 10_000_000_000L;
    private static final java.lang.management.CompilationMXBean JIT = java.lang.management.ManagementFactory.getCompilationMXBean();

    private static double median(double[] v) {
        double[] s = v.clone();
        java.util.Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private static String loadAverage() {
        try {
            return java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg")).trim();
        } catch (IOException e) {
            return "unknown";
        }
    }
}
