package org.visualchat.bench;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.visualchat.mmca.bench.GemmWorkload;
import org.visualchat.mmca.bench.Threads;

import java.util.concurrent.TimeUnit;

/**
 * SGEMM through {@code MatMul} (the shapes: 1024³, and the LLaMA-7B-ish projections M = 64/256,
 * K = 2048, N = 2048/5632 as x·Wᵀ). GFLOP/s = 2·M·N·K / (ms/op · 1e6). numpy's figures for the same
 * shapes: {@code python3 bench/peers/numpy_gemm.py --threads 1} (and 2).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-XX:+UseParallelGC"})
public class GemmBench {
    @Param({"1024x1024x1024", "64x2048x2048t", "64x5632x2048t", "256x2048x2048t", "256x5632x2048t"})
    public String shape;

    /** 1, or the worker pool size (all cores unless VC_THREADS says otherwise). */
    @Param({"1", "2"})
    public int threads;

    private GemmWorkload gemm;

    @Setup
    public void setup() {
        Threads.check(threads);
        gemm = new GemmWorkload(shape);
    }

    @Benchmark
    public void gemm() {
        Threads.call(threads, gemm);
    }
}
