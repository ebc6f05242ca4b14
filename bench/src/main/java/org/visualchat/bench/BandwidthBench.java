package org.visualchat.bench;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.visualchat.mmca.bench.StreamProbe;
import org.visualchat.mmca.bench.Threads;

/**
 * The machine's read bandwidth: {@link StreamProbe}'s vector sum over 256 MiB with {@code threads}
 * readers (268.4 MB per op; GB/s = 268.4 / ms/op).
 */
@State(Scope.Thread)
public class BandwidthBench extends KernelBenchmark {
    private StreamProbe probe;

    @Setup(Level.Trial)
    public void setup() {
        Threads.check(threads);
        probe = new StreamProbe(threads);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        probe.close();
    }

    @Benchmark
    public float stream() {
        probe.roundSeconds(threads);
        return probe.checksum();
    }
}
