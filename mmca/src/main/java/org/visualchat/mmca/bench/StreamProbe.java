package org.visualchat.mmca.bench;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * The read bandwidth this JVM can stream (a STREAM-style vector sum over {@link #BYTES}, eight times the
 * 32 MiB L3 of the reference machine, four streams per reader), with 1 to {@code maxThreads} threads
 * reading at once.
 *
 * <p>It runs on threads of its own, not on the {@link org.visualchat.tensor.WorkerPool}: the pool hands
 * chunks out dynamically, so a worker that wakes late lets the caller read both halves alone and a
 * "two-thread" figure silently measures one thread (the earlier pool-based probe read ~43 GB/s with two
 * threads where two cores stream ~63). Here each reader owns one piece of the buffer, allocated and first
 * touched by that reader, and a round starts only when every reader of the round has arrived at a start
 * barrier; a round's time is from the first reader's start to the last reader's end, so a straggler
 * lowers the figure instead of hiding.
 */
public final class StreamProbe implements AutoCloseable {
    /** Bytes read per round: 256 MiB, eight times the reference machine's L3, so reads come from DRAM. */
    public static final long BYTES = 256L << 20;
    private static final long CHUNK_BYTES = 1 << 20;
    /** Concurrent read streams per reader (see {@link #sum}). */
    private static final int STREAMS = 4;
    private static final int SPINS_BEFORE_PARK = 1 << 12;
    /** Warm-up: stop after this many rounds in a row without a new fastest one (see {@link #gbs}). */
    private static final int WARM_ROUNDS = 5;
    private static final double MAX_WARM_SECONDS = 10;
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

    private final Reader[] readers;
    /**
     * Every reader's piece, as a global-scope segment over the reader's memory (which lives while the
     * reader does): no liveness check per load, and one segment class at the load site.
     */
    private final MemorySegment[] pieces;
    private final Thread owner = Thread.currentThread();
    private final AtomicInteger arrived = new AtomicInteger(), finished = new AtomicInteger();
    private volatile int participants;
    private volatile long round;
    private volatile boolean closed;
    private float lastSum;

    /** Starts {@code maxThreads} readers, each allocating and filling its share of {@link #BYTES}. */
    public StreamProbe(int maxThreads) {
        if (maxThreads < 1) throw new IllegalArgumentException("stream probe threads must be >= 1, got " + maxThreads);
        long unit = STREAMS * CHUNK_BYTES, piece = BYTES / maxThreads / unit * unit; // BYTES is a whole number of units
        CountDownLatch ready = new CountDownLatch(maxThreads);
        readers = new Reader[maxThreads];
        pieces = new MemorySegment[maxThreads];
        for (int i = 0; i < maxThreads; i++) {
            readers[i] = new Reader(i, i == maxThreads - 1 ? BYTES - piece * i : piece, ready);
            readers[i].start();
        }
        try {
            ready.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while the stream probe filled its buffers", e);
        }
    }

    /**
     * Median GB/s of rounds with {@code threads} readers over about {@code seconds}, after a warm-up that
     * lasts until {@link #WARM_ROUNDS} rounds in a row no longer beat the fastest round so far by 3 %
     * (at most {@link #MAX_WARM_SECONDS}), instead of a fixed quarter of the time: in a process busy
     * compiling a model's methods, C2 may compile the probe late or recompile it after a trap, and those
     * slow rounds belong to the warm-up, not the median.
     */
    public double gbs(int threads, double seconds) {
        long warmEnd = System.nanoTime() + (long) (MAX_WARM_SECONDS * 1e9);
        double fastest = Double.MAX_VALUE;
        for (int stale = 0; stale < WARM_ROUNDS && System.nanoTime() < warmEnd; ) {
            double t = roundSeconds(threads);
            if (t < 0.97 * fastest) stale = 0;
            else stale++;
            fastest = Math.min(fastest, t);
        }
        double[] times = new double[64];
        int n = 0;
        long end = System.nanoTime() + (long) (seconds * 1e9);
        while (n < times.length && (n < 3 || System.nanoTime() < end)) times[n++] = roundSeconds(threads);
        double[] sorted = Arrays.copyOf(times, n);
        Arrays.sort(sorted);
        return BYTES / sorted[n / 2] / 1e9;
    }

    /**
     * One round: {@code threads} readers together read all of {@link #BYTES} (reader i the pieces
     * j ≡ i mod threads); seconds from the first start to the last end. Called by the thread that made
     * the probe.
     */
    public double roundSeconds(int threads) {
        if (threads < 1 || threads > readers.length) throw new IllegalArgumentException("stream probe has 1.." + readers.length + " threads, asked " + threads);
        if (Thread.currentThread() != owner) throw new IllegalStateException("a stream probe is driven by the thread that made it");
        participants = threads;
        arrived.set(0);
        finished.set(0);
        round++; // volatile write publishes the fields above
        for (int i = 0; i < threads; i++) LockSupport.unpark(readers[i]);
        while (finished.get() < threads) LockSupport.park(this);
        long first = Long.MAX_VALUE, last = Long.MIN_VALUE;
        float total = 0;
        for (int i = 0; i < threads; i++) {
            first = Math.min(first, readers[i].start);
            last = Math.max(last, readers[i].end);
            total += readers[i].sum;
        }
        lastSum = total;
        return (last - first) / 1e9;
    }

    /** The sum of every float read in the last round (kept so that the JIT cannot drop the reads). */
    public float checksum() {
        return lastSum;
    }

    @Override
    public void close() {
        closed = true;
        for (Reader r : readers) {
            LockSupport.unpark(r);
            try {
                r.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private final class Reader extends Thread {
        private final int index;
        private final long bytes;
        private final CountDownLatch ready;
        /** Written by this reader before it counts itself finished, read by the owner after. */
        private long start, end;
        private float sum;

        Reader(int index, long bytes, CountDownLatch ready) {
            super("vc-stream-probe-" + index);
            setDaemon(true);
            this.index = index;
            this.bytes = bytes;
            this.ready = ready;
        }

        @Override
        public void run() {
            // First touch by the reader itself: on a NUMA machine its pages land on its own node.
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment mine = arena.allocate(bytes, 64);
                mine.fill((byte) 1);
                pieces[index] = MemorySegment.ofAddress(mine.address()).reinterpret(bytes);
                ready.countDown();
                long seen = 0;
                while (true) {
                    for (int spins = 0; round == seen && !closed; spins++) {
                        if (spins < SPINS_BEFORE_PARK) Thread.onSpinWait();
                        else LockSupport.park(this);
                    }
                    if (closed) return;
                    seen = round;
                    int threads = participants;
                    if (index >= threads) continue;
                    arrived.incrementAndGet();
                    while (arrived.get() < threads) Thread.onSpinWait();
                    start = System.nanoTime();
                    float s = 0;
                    for (int p = index; p < pieces.length; p += threads) s += sum(pieces[p]);
                    end = System.nanoTime();
                    sum = s;
                    if (finished.incrementAndGet() == threads) LockSupport.unpark(owner);
                }
            }
        }
    }

    /**
     * Sum of the floats of {@code s} (a whole number of {@link #STREAMS}·1 MiB): {@link #STREAMS} streams
     * a quarter of {@code s} apart read in lockstep, two vectors each per turn into eight independent
     * accumulators, over int-indexed 1 MiB slices (C2 unrolls and hoists the bounds checks of int loops
     * far better than of long ones). One sequential stream per core under-reads this machine: at the
     * same moment (load 6–8, three runs) one stream read 21, 22 and 33 GB/s, four streams 40, 37 and 40
     * on one core, and the F32 matvec, which streams four weight rows at once, came out at 111 % of a
     * one-stream probe.
     */
    static float sum(MemorySegment s) {
        float total = 0;
        long quarter = s.byteSize() / STREAMS;
        long base = s.asSlice(0, STREAMS * quarter).address(); // checks the range once
        for (long chunk = 0; chunk < quarter; chunk += CHUNK_BYTES) total += sum(base + chunk, quarter);
        return total;
    }

    /**
     * The floats of four 1 MiB slices {@code quarter} bytes apart from {@code address}, read in lockstep.
     * The slices are made here, from addresses, so C2 knows their class exactly (as the matvec kernels'
     * Dequantize.exact): passed in as segments, the JDK's vector loads inside see the type profile of
     * every segment the process has loaded from (the model's mapped ones, heap ones), and in {@code bench
     * decode} C2 kept recompiling this loop after uncommon traps, running it interpreted in between —
     * the probe printed 0.4–6.7 GB/s in five of seven runs where it reads ~40 (-XX:+PrintCompilation).
     */
    private static float sum(long address, long quarter) {
        MemorySegment s0 = MemorySegment.ofAddress(address).reinterpret(CHUNK_BYTES), s1 = MemorySegment.ofAddress(address + quarter).reinterpret(CHUNK_BYTES);
        MemorySegment s2 = MemorySegment.ofAddress(address + 2 * quarter).reinterpret(CHUNK_BYTES), s3 = MemorySegment.ofAddress(address + 3 * quarter).reinterpret(CHUNK_BYTES);
        int step = F.vectorByteSize(), n = (int) CHUNK_BYTES;
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
        for (int i = 0; i <= n - 2 * step; i += 2 * step) {
            a0 = a0.add(FloatVector.fromMemorySegment(F, s0, i, ByteOrder.LITTLE_ENDIAN));
            a1 = a1.add(FloatVector.fromMemorySegment(F, s0, i + step, ByteOrder.LITTLE_ENDIAN));
            a2 = a2.add(FloatVector.fromMemorySegment(F, s1, i, ByteOrder.LITTLE_ENDIAN));
            a3 = a3.add(FloatVector.fromMemorySegment(F, s1, i + step, ByteOrder.LITTLE_ENDIAN));
            a4 = a4.add(FloatVector.fromMemorySegment(F, s2, i, ByteOrder.LITTLE_ENDIAN));
            a5 = a5.add(FloatVector.fromMemorySegment(F, s2, i + step, ByteOrder.LITTLE_ENDIAN));
            a6 = a6.add(FloatVector.fromMemorySegment(F, s3, i, ByteOrder.LITTLE_ENDIAN));
            a7 = a7.add(FloatVector.fromMemorySegment(F, s3, i + step, ByteOrder.LITTLE_ENDIAN));
        }
        return a0.add(a1).add(a2.add(a3)).add(a4.add(a5).add(a6.add(a7))).reduceLanes(VectorOperators.ADD);
    }
}
