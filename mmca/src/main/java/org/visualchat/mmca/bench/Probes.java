package org.visualchat.mmca.bench;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

/**
 * What this machine can do at best, measured in the same run as the kernels so that a ratio means
 * something on a shared host: the FMA peak (independent FMA chains on registers only) and the read
 * bandwidth (a vector sum over a buffer much bigger than the last-level cache).
 */
public final class Probes {
    private Probes() {}

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int FMA_ITERATIONS = 1 << 20;
    /** 256 MiB: eight times the 32 MiB L3 of the reference machine, so reads come from DRAM. */
    public static final long STREAM_BYTES = 256L << 20;
    private static final long CHUNK_BYTES = 1 << 20;

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

    /** A buffer for {@link #readBandwidthGbs}: {@link #STREAM_BYTES}, filled, living as long as {@code arena}. */
    public static MemorySegment streamBuffer(Arena arena) {
        MemorySegment buffer = arena.allocate(STREAM_BYTES, 64);
        buffer.fill((byte) 1);
        return buffer;
    }

    /** GB/s of reading all of {@code buffer} with {@code threads} threads (see {@link #readAll}). */
    public static double readBandwidthGbs(MemorySegment buffer, int threads, double seconds) {
        double t = Stopwatch.medianSeconds(() -> readAll(buffer, threads), seconds);
        return buffer.byteSize() / t / 1e9;
    }

    /** Reads every float of {@code buffer} once, each of {@code threads} threads summing its share. */
    public static float readAll(MemorySegment buffer, int threads) {
        float[] sums = new float[threads];
        long share = buffer.byteSize() / threads / 64 * 64;
        Threads.run(threads, threads, (s, e) -> {
            for (int i = s; i < e; i++) sums[i] = sum(buffer, i * share, i == threads - 1 ? buffer.byteSize() - i * share : share);
        });
        float total = 0;
        for (float v : sums) total += v;
        return total;
    }

    /**
     * Sum of the floats in [from, from + bytes). Eight independent accumulators, so that eight loads are
     * in flight per loop turn, and an int-indexed loop over each 1 MiB slice: C2 unrolls and hoists the
     * bounds checks of int loops far better than of long ones. With four accumulators over long offsets
     * this probe read 14–17 GB/s on one core where numpy's np.dot streams ~30.
     */
    public static float sum(MemorySegment s, long from, long bytes) {
        float total = 0;
        int step = F.vectorByteSize(), unroll = 8 * step;
        for (long chunk = from; chunk < from + bytes; chunk += CHUNK_BYTES) {
            MemorySegment slice = s.asSlice(chunk, Math.min(CHUNK_BYTES, from + bytes - chunk));
            int n = (int) slice.byteSize(), i = 0;
            FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
            for (; i <= n - unroll; i += unroll) {
                a0 = a0.add(FloatVector.fromMemorySegment(F, slice, i, ByteOrder.LITTLE_ENDIAN));
                a1 = a1.add(FloatVector.fromMemorySegment(F, slice, i + step, ByteOrder.LITTLE_ENDIAN));
                a2 = a2.add(FloatVector.fromMemorySegment(F, slice, i + 2 * step, ByteOrder.LITTLE_ENDIAN));
                a3 = a3.add(FloatVector.fromMemorySegment(F, slice, i + 3 * step, ByteOrder.LITTLE_ENDIAN));
                a4 = a4.add(FloatVector.fromMemorySegment(F, slice, i + 4 * step, ByteOrder.LITTLE_ENDIAN));
                a5 = a5.add(FloatVector.fromMemorySegment(F, slice, i + 5 * step, ByteOrder.LITTLE_ENDIAN));
                a6 = a6.add(FloatVector.fromMemorySegment(F, slice, i + 6 * step, ByteOrder.LITTLE_ENDIAN));
                a7 = a7.add(FloatVector.fromMemorySegment(F, slice, i + 7 * step, ByteOrder.LITTLE_ENDIAN));
            }
            for (; i <= n - step; i += step) a0 = a0.add(FloatVector.fromMemorySegment(F, slice, i, ByteOrder.LITTLE_ENDIAN));
            total += a0.add(a1).add(a2.add(a3)).add(a4.add(a5).add(a6.add(a7))).reduceLanes(VectorOperators.ADD);
        }
        return total;
    }
}
