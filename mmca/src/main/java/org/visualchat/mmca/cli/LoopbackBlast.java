package org.visualchat.mmca.cli;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.concurrent.atomic.AtomicReference;
import org.visualchat.parallel.ProcessGroup;
import org.visualchat.parallel.ReduceOp;
import org.visualchat.parallel.Split;

/**
 * Raw loopback TCP throughput, the yardstick of {@code bench collectives}: plain blocking NIO sockets, 1 MiB
 * direct buffers, no framing, no checksums, the receiver discarding.
 *
 * <p>{@link #ring} is the honest yardstick for ring collectives: in a ring step every rank sends to rank+1
 * and receives from rank−1 at the same time, so the kernel carries p streams at once and, on a machine with
 * fewer cores than 2p busy threads, they share the cores. Measured with the same processes that run the
 * collectives, it is the best per-rank send rate any ring algorithm could reach there, which is what nccl-tests'
 * bus bandwidth measures (all-reduce busbw = bytes each rank sends / time). {@link #oneWay} (one socket, one
 * direction, two threads) is the usual "loopback bandwidth" figure; on 2 cores it was 1.5–5 times the ring
 * rate (more for more ranks), so dividing busbw by it understates every p-rank collective by that factor.
 *
 * <p>On a shared machine wall-clock rates swing with the load (the ring rate varied 0.2–1.8 GB/s within one
 * run at load average 25 on 2 cores), so each rate comes with the CPU time all ranks spent per byte sent,
 * which the load moves much less: on a machine whose cores are the bottleneck the achievable
 * busbw/ring ratio is the ring's CPU per byte over the collective's.
 */
final class LoopbackBlast {
    private static final int CHUNK = 1 << 20;
    private static final com.sun.management.OperatingSystemMXBean OS =
            (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();

    private LoopbackBlast() {}

    /** Per-rank send rate, and CPU nanoseconds all ranks together spent per byte each rank sent. */
    record Rate(double gbps, double cpuNsPerByte) {}

    /**
     * This process's CPU time, nanoseconds, less what its JIT compiler threads used: a fresh benchmark JVM
     * spends up to half its CPU compiling while the first sizes are measured (seen with perf), a one-time cost
     * a training job amortises. Compiler threads are read from /proc/self/task (Linux; elsewhere nothing is
     * subtracted); the workers run with a fixed set of them so none exits with its time uncounted.
     */
    static long cpuNanos() {
        return OS.getProcessCpuTime() - compilerNanos();
    }

    private static long compilerNanos() {
        long sum = 0;
        try (var tasks = java.nio.file.Files.newDirectoryStream(java.nio.file.Path.of("/proc/self/task"))) {
            for (var task : tasks) {
                try {
                    if (!java.nio.file.Files.readString(task.resolve("comm")).contains("CompilerThre")) continue;
                    sum += Long.parseLong(java.nio.file.Files.readString(task.resolve("schedstat")).split(" ")[0]);
                } catch (IOException | RuntimeException gone) {
                    // the thread exited between listing and reading
                }
            }
        } catch (IOException | RuntimeException noProc) {
            return 0;
        }
        return sum;
    }

    /**
     * The rate of {@code bytesPerRank} sent by every rank in {@code seconds} (this rank's clock), with this
     * rank's {@code cpuNanos} summed over the group (call on all ranks).
     */
    static Rate rate(ProcessGroup pg, double bytesPerRank, double seconds, long cpuNanos) {
        double cpu = pg.allReduce((float) cpuNanos, ReduceOp.SUM);
        return new Rate(bytesPerRank / seconds / 1e9, cpu / (bytesPerRank * pg.size()));
    }

    /** GB/s of one socket, one direction, {@code total} bytes. */
    static double oneWay(long total) throws IOException, InterruptedException {
        try (ServerSocketChannel server = listen()) {
            Receiver rx = new Receiver(server, total, null);
            long t0 = System.nanoTime();
            try (SocketChannel out = connect(server.socket().getLocalPort())) {
                send(out, total, null);
            }
            rx.await();
            return total / ((System.nanoTime() - t0) / 1e9) / 1e9;
        }
    }

    /**
     * Per-rank GB/s when every rank of {@code pg} sends {@code bytesPerRank} to rank+1 while receiving as much
     * from rank−1, from and into one cache-hot 1 MiB buffer with the kernel's autotuned socket buffers. Call on
     * all ranks; each times from a barrier to a barrier, so the slowest rank bounds the figure, as in the
     * collectives' timing.
     */
    static Rate ring(ProcessGroup pg, long bytesPerRank) throws IOException, InterruptedException {
        return ring(pg, bytesPerRank, null, null);
    }

    /**
     * {@link #ring} streaming through the collective's memory: sends walk {@code src} and receives walk
     * {@code dst} (both native, wrapping around). A collective on S bytes must read its source from and write
     * its result to memory S bytes long, which for large S is not in cache; the 1 MiB ring's buffers always are.
     * The socket buffers stay autotuned: fixed 4 MiB ones (the transport's) made this ring 2–4 times slower.
     */
    static Rate ring(ProcessGroup pg, long bytesPerRank, MemorySegment src, MemorySegment dst) throws IOException, InterruptedException {
        int n = pg.size(), r = pg.rank();
        try (ServerSocketChannel server = listen()) {
            float[] ports = new float[n];     // ports < 2^24 are exact in a float
            ports[r] = server.socket().getLocalPort();
            pg.allGather(new float[] {ports[r]}, ports, Split.even(1, n));
            Receiver rx = new Receiver(server, bytesPerRank, dst);
            try (SocketChannel out = connect((int) ports[(r + 1) % n])) {
                pg.barrier();
                long t0 = System.nanoTime(), cpu0 = cpuNanos();
                // On its own thread, so that profiles tell the ring's sending from the collectives' main thread.
                AtomicReference<IOException> sendError = new AtomicReference<>();
                Thread tx = Thread.ofPlatform().name("blast-tx").start(() -> {
                    try {
                        send(out, bytesPerRank, src);
                    } catch (IOException e) {
                        sendError.set(e);
                    }
                });
                tx.join();
                if (sendError.get() != null) throw sendError.get();
                rx.await();
                pg.barrier();
                return rate(pg, bytesPerRank, (System.nanoTime() - t0) / 1e9, cpuNanos() - cpu0);
            }
        }
    }

    private static ServerSocketChannel listen() throws IOException {
        return ServerSocketChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1);
    }

    private static SocketChannel connect(int port) throws IOException {
        SocketChannel s = SocketChannel.open(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        s.socket().setTcpNoDelay(true);
        return s;
    }

    /** Sends {@code total} bytes in 1 MiB writes: of one direct buffer, or walking {@code src} (wrapping) if given. */
    private static void send(SocketChannel out, long total, MemorySegment src) throws IOException {
        Chunks chunks = new Chunks(src);
        for (long sent = 0; sent < total; ) {
            ByteBuffer chunk = chunks.next((int) Math.min(CHUNK, total - sent));
            while (chunk.hasRemaining()) sent += out.write(chunk);
            chunks.advance(chunk.limit());
        }
    }

    /** 1 MiB windows: the same direct buffer each time, or consecutive slices of a segment, wrapping at its end. */
    private static final class Chunks {
        private final MemorySegment memory;
        private final ByteBuffer fixed;
        private long at;

        /** {@code memory} null: one direct buffer, reused. */
        Chunks(MemorySegment memory) {
            this.memory = memory;
            this.fixed = memory == null ? ByteBuffer.allocateDirect(CHUNK) : null;
        }

        /** The next window of at most {@code bytes}; {@link #advance} past what was used of it. */
        ByteBuffer next(int bytes) {
            if (memory == null) return fixed.clear().limit(bytes);
            if (at == memory.byteSize()) at = 0;
            return memory.asSlice(at, Math.min(bytes, memory.byteSize() - at)).asByteBuffer();
        }

        void advance(int bytes) {
            at += bytes;
        }
    }

    /** Accepts one connection and reads {@code total} bytes from it on its own thread. */
    private static final class Receiver {
        private final Thread thread;
        private final AtomicReference<IOException> error = new AtomicReference<>();
        private final long total;
        private long received;

        /** Reads into {@code dst} (walking it, wrapping) if given, else into one 1 MiB buffer. */
        Receiver(ServerSocketChannel server, long total, MemorySegment dst) {
            this.total = total;
            thread = Thread.ofPlatform().name("blast-rx").start(() -> {
                Chunks chunks = new Chunks(dst);
                try (SocketChannel in = server.accept()) {
                    for (int got; received < total && (got = in.read(chunks.next(CHUNK))) > 0; ) {
                        received += got;
                        chunks.advance(got);
                    }
                } catch (IOException e) {
                    error.set(e);
                }
            });
        }

        void await() throws IOException, InterruptedException {
            thread.join();
            if (error.get() != null) throw new IOException("loopback blast receiver failed: " + error.get().getMessage(), error.get());
            if (received != total) throw new IOException("loopback blast received " + received + " of " + total + " bytes");
        }
    }
}
