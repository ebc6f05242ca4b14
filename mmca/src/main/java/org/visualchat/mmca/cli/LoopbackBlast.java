package org.visualchat.mmca.cli;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.concurrent.atomic.AtomicReference;
import org.visualchat.parallel.ProcessGroup;
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
 * direction, two threads) is the usual "loopback bandwidth" figure; on 2 cores it is about p times the ring
 * rate, so dividing busbw by it understates every p-rank collective by that factor.
 */
final class LoopbackBlast {
    private static final int CHUNK = 1 << 20;

    private LoopbackBlast() {}

    /** GB/s of one socket, one direction, {@code total} bytes. */
    static double oneWay(long total) throws IOException, InterruptedException {
        try (ServerSocketChannel server = listen()) {
            Receiver rx = new Receiver(server, total);
            long t0 = System.nanoTime();
            try (SocketChannel out = connect(server.socket().getLocalPort())) {
                send(out, total);
            }
            rx.await();
            return total / ((System.nanoTime() - t0) / 1e9) / 1e9;
        }
    }

    /**
     * Per-rank GB/s when every rank of {@code pg} sends {@code bytesPerRank} to rank+1 while receiving as much
     * from rank−1. Call on all ranks; each times from a barrier to a barrier, so the slowest rank bounds the
     * figure, as in the collectives' timing.
     */
    static double ring(ProcessGroup pg, long bytesPerRank) throws IOException, InterruptedException {
        int n = pg.size(), r = pg.rank();
        try (ServerSocketChannel server = listen()) {
            float[] ports = new float[n];     // ports < 2^24 are exact in a float
            ports[r] = server.socket().getLocalPort();
            pg.allGather(new float[] {ports[r]}, ports, Split.even(1, n));
            Receiver rx = new Receiver(server, bytesPerRank);
            try (SocketChannel out = connect((int) ports[(r + 1) % n])) {
                pg.barrier();
                long t0 = System.nanoTime();
                send(out, bytesPerRank);
                rx.await();
                pg.barrier();
                return bytesPerRank / ((System.nanoTime() - t0) / 1e9) / 1e9;
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

    private static void send(SocketChannel out, long total) throws IOException {
        ByteBuffer chunk = ByteBuffer.allocateDirect(CHUNK);
        for (long sent = 0; sent < total; ) {
            chunk.clear().limit((int) Math.min(CHUNK, total - sent));
            while (chunk.hasRemaining()) sent += out.write(chunk);
        }
    }

    /** Accepts one connection and reads {@code total} bytes from it on its own thread. */
    private static final class Receiver {
        private final Thread thread;
        private final AtomicReference<IOException> error = new AtomicReference<>();
        private final long total;
        private long received;

        Receiver(ServerSocketChannel server, long total) {
            this.total = total;
            thread = Thread.ofPlatform().name("blast-rx").start(() -> {
                ByteBuffer buf = ByteBuffer.allocateDirect(CHUNK);
                try (SocketChannel in = server.accept()) {
                    for (int got; received < total && (got = in.read(buf.clear())) > 0; ) received += got;
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
