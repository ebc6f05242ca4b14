package org.visualchat.bench;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.visualchat.mmca.bench.Threads;
import org.visualchat.mmca.bench.TrainStepWorkload;

/**
 * One whole VisualChat training step of the small model of {@code visualchat bench train} (issue 6):
 * frozen CLIP → trainable projection and embedding copy → frozen 4-layer LLaMA with MMCA strict →
 * shifted loss → backward (dX only through the frozen decoder) → AdamW. The phase split and tokens/s
 * are printed by {@code visualchat bench train}; this gives the same step under JMH's statistics.
 */
@State(Scope.Benchmark)
public class VisualChatStepBench extends KernelBenchmark {
    @Param({"4"})
    public int layers;

    private TrainStepWorkload workload;
    private long[] nanos;

    @Setup(Level.Trial)
    public void setup() {
        Threads.check(threads);
        workload = TrainStepWorkload.small(layers);
        nanos = new long[TrainStepWorkload.PHASES.length];
    }

    @Benchmark
    public double step() {
        Threads.call(threads, () -> workload.step(nanos, null));
        return workload.lastLoss();
    }
}
