package org.visualchat.bench;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.visualchat.mmca.bench.MatVecWorkload;
import org.visualchat.mmca.bench.Threads;
import org.visualchat.tensor.DType;

import java.util.concurrent.TimeUnit;

/**
 * Decode-step matrix-vector products (W [5632, 2048] · x) per weight type, to hold against the read
 * bandwidth {@link BandwidthBench} measures in the same run. GB/s = weight bytes / (ms/op · 1e6):
 * 46.1 MB for F32, 23.1 MB for BF16/F16, 12.3 MB for Q8_0, 6.5 MB for Q4_0. Copies of W are cycled
 * so that 128 MiB of weights are touched: reads come from DRAM, not the 32 MiB L3.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-XX:+UseParallelGC"})
public class MatVecBench {
    @Param({"F32", "BF16", "F16", "Q8_0", "Q4_0"})
    public DType dtype;

    @Param({"5632x2048"})
    public String shape;

    @Param({"1", "2"})
    public int threads;

    private MatVecWorkload matvec;

    @Setup(Level.Trial)
    public void setup() {
        Threads.check(threads);
        matvec = new MatVecWorkload(shape, dtype, 128);
    }

    @Benchmark
    public void matvec() {
        Threads.call(threads, matvec);
    }

}
