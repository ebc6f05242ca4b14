package org.visualchat.mmca.bench;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * What this machine's cores can compute at best, measured in the same run as the kernels so that a ratio
 * means something on a shared host: the FMA peak (independent FMA chains on registers only). The read
 * bandwidth is {@link StreamProbe}'s.
 */
public final class Probes {
    private Probes() {}

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int FMA_ITERATIONS = 1 << 20;

    /** GFLOP/s of back-to-back FMAs with {@code threads} threads (1 or the pool size). */
    public static double fmaPeakGflops(int threads, double seconds) {
        float[] sink = new float[threads * F.length()];
        double t = Stopwatch.medianSeconds(() -> Threads.run(threads, threads, (s, e) -> {
            for (int i = s; i < e; i++) fmaChains(sink, i * F.length());
        }), seconds);
        // 12 chains × FMA_ITERATIONS × lanes × 2 flops, per thread.
        return 2.0 * 12 * FMA_ITERATIONS * F.length() * threads / t / 1e9;
    }

    /** Twelve independent chains: more than FMA latency × FMA pipes, so the pipes never wait. */
    private static void fmaChains(float[] sink, int at) {
        FloatVector m = FloatVector.broadcast(F, 0.999999f), c = FloatVector.broadcast(F, 1e-7f);
        FloatVector a0 = c, a1 = c, a2 = c, a3 = c, a4 = c, a5 = c, a6 = c, a7 = c, a8 = c, a9 = c, a10 = c, a11 = c;
        for (int i = 0; i < FMA_ITERATIONS; i++) {
            a0 = a0.fma(m, c); a1 = a1.fma(m, c); a2 = a2.fma(m, c); a3 = a3.fma(m, c);
            a4 = a4.fma(m, c); a5 = a5.fma(m, c); a6 = a6.fma(m, c); a7 = a7.fma(m, c);
            a8 = a8.fma(m, c); a9 = a9.fma(m, c); a10 = a10.fma(m, c); a11 = a11.fma(m, c);
        }
        a0.add(a1).add(a2).add(a3).add(a4).add(a5).add(a6).add(a7).add(a8).add(a9).add(a10).add(a11).intoArray(sink, at);
    }
}
