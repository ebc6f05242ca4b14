package org.visualchat.parallel.transport;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.socket.DuplexChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.lang.foreign.MemorySegment;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.visualchat.parallel.CommStats;
import org.visualchat.parallel.DistributedException;
import org.visualchat.parallel.DistributedException.Kind;
import org.visualchat.parallel.GroupOptions;
import org.visualchat.parallel.wire.FrameHeader;

/**
 * The full mesh of authenticated Netty TCP connections of one rank (distributed.md §4.4): one connection
 * per peer pair (the higher rank connects), epoll when it loads, NIO otherwise. Collective algorithms
 * {@link #send} and {@link #receive} frames; every wait is bounded by the op timeout and names the rank
 * it waited for; the first error of any kind breaks the group and is sent to every peer as an ABORT so
 * they fail at once instead of waiting out their own timeouts (Gloo semantics: rebuild after failure).
 */
public final class Transport implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Transport.class.getName());
    /** Longest a closing rank waits for its peers to acknowledge the goodbye (the op timeout if shorter). */
    static final long CLOSE_WAIT_MILLIS = 2000;
    /** Our FIN once the last frame (goodbye or ABORT) is written; reading goes on until the peer's FIN. */
    private static final ChannelFutureListener SHUTDOWN_OUTPUT = f -> {
        if (!f.isSuccess()) f.channel().close();
        else if (f.channel() instanceof DuplexChannel d) d.shutdownOutput();
    };

    final GroupOptions options;
    final int rank;
    final CommStats stats;
    private final long timeoutNanos;
    private final EventLoopGroup loop;
    private final Class<? extends io.netty.channel.socket.SocketChannel> channelClass;
    private final Channel server;
    private final PeerLink[] links;
    /** Payload buffers: up to 32 segments are kept for reuse (the rings keep a few per link in flight). */
    private final FramePool frames;
    private final Object state = new Object();
    private volatile DistributedException failure;
    private volatile boolean closing;
    private String lastRefusal;

    private Transport(GroupOptions o, CommStats stats) {
        this.options = o;
        this.rank = o.rank();
        this.stats = stats;
        this.timeoutNanos = o.timeout().toNanos();
        this.links = new PeerLink[o.worldSize()];
        this.frames = new FramePool(o.segmentBytes(), 32);
        boolean epoll = Epoll.isAvailable();
        IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        this.loop = new MultiThreadIoEventLoopGroup(o.ioThreads(), new DefaultThreadFactory("vc-dist-r" + rank, true), io);
        this.channelClass = epoll ? EpollSocketChannel.class : NioSocketChannel.class;
        Class<? extends ServerChannel> serverClass = epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
        try {
            ServerBootstrap sb = new ServerBootstrap().group(loop).channel(serverClass)
                    .childHandler(initializer(-1)).childOption(ChannelOption.TCP_NODELAY, true)
                    .childOption(ChannelOption.SO_SNDBUF, socketBufferBytes()).childOption(ChannelOption.SO_RCVBUF, socketBufferBytes())
                    .childOption(ChannelOption.SO_KEEPALIVE, true).childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, waterMark())
                    .childOption(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT);
            this.server = sb.bind(bindAddress(o)).sync().channel();
        } catch (Exception e) {
            loop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw new DistributedException(Kind.RENDEZVOUS, "rank " + rank + " cannot listen on " + bindAddress(o) + ": " + e.getMessage(), e);
        }
    }

    /** Binds, rendezvouses, connects the mesh and authenticates every link; bounded by 5× the op timeout. */
    public static Transport open(GroupOptions o, CommStats stats) {
        Transport t = new Transport(o, stats);
        try {
            long deadline = System.nanoTime() + 5 * t.timeoutNanos;
            if (o.rank() == 0) Rendezvous.serve(o, deadline);
            List<InetSocketAddress> roster = Rendezvous.join(o, ((InetSocketAddress) t.server.localAddress()).getPort(), deadline);
            for (int peer = 0; peer < o.rank(); peer++) t.connect(peer, roster.get(peer), deadline);
            t.awaitMesh(deadline);
            return t;
        } catch (RuntimeException e) {
            t.close();
            throw e;
        }
    }

    public int rank() { return rank; }

    public int worldSize() { return links.length; }

    /** The address this rank's data listener is bound to. */
    public InetSocketAddress localAddress() { return (InetSocketAddress) server.localAddress(); }

    private static InetSocketAddress bindAddress(GroupOptions o) {
        String host = o.bindHost();
        if (host == null) {
            try {
                host = InetAddress.getByName(o.masterAddr()).isLoopbackAddress() ? "127.0.0.1" : "0.0.0.0";
            } catch (java.net.UnknownHostException e) {
                throw new DistributedException(Kind.RENDEZVOUS, "MASTER_ADDR '" + o.masterAddr() + "' does not resolve", e);
            }
        }
        return new InetSocketAddress(host, o.dataPort());
    }

    /**
     * Kernel socket buffers of 4 segments each way (the kernel caps them at net.core.wmem_max/rmem_max): a
     * sender keeps writing while a descheduled receiver is not reading. With the autotuned defaults (send
     * buffer starting at 16 KiB) 64 MiB collectives took about twice as long on the loaded 2-core machine and
     * used ~10 % more CPU per byte (p = 2, two interleaved pairs of runs).
     */
    private int socketBufferBytes() {
        return (int) Math.min(64L << 20, 4L * options.segmentBytes());
    }

    private WriteBufferWaterMark waterMark() {
        return new WriteBufferWaterMark(2 * options.segmentBytes(), 4 * options.segmentBytes());
    }

    private ChannelInitializer<SocketChannel> initializer(int expectedPeer) {
        return new ChannelInitializer<>() {
            @Override
            protected void initChannel(SocketChannel ch) {
                FrameCodec codec = new FrameCodec(frames);
                ch.config().setRecvByteBufAllocator(new PayloadReads(codec));
                ch.pipeline().addLast("frames", codec).addLast("link", new LinkHandler(Transport.this, codec, expectedPeer));
            }
        };
    }

    private void connect(int peer, InetSocketAddress address, long deadline) {
        InetSocketAddress resolved = new InetSocketAddress(address.getHostString(), address.getPort());
        new Bootstrap().group(loop).channel(channelClass).handler(initializer(peer))
                .option(ChannelOption.TCP_NODELAY, true).option(ChannelOption.SO_KEEPALIVE, true)
                .option(ChannelOption.SO_SNDBUF, socketBufferBytes()).option(ChannelOption.SO_RCVBUF, socketBufferBytes())
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, waterMark()).option(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, timeoutNanos / 1_000_000))
                .connect(resolved).addListener((ChannelFutureListener) f -> {
                    if (f.isSuccess() || closing || failure != null) return;
                    if (System.nanoTime() < deadline) {
                        loop.schedule(() -> connect(peer, address, deadline), 100, TimeUnit.MILLISECONDS);
                    } else {
                        fail(new DistributedException(Kind.PEER_CLOSED, "rank " + rank + " could not connect to rank " + peer
                                + " at " + address + ": " + f.cause().getMessage()));
                    }
                });
    }

    private void awaitMesh(long deadline) {
        synchronized (state) {
            while (true) {
                if (failure != null) throw broken();
                List<Integer> missing = new ArrayList<>();
                for (int r = 0; r < links.length; r++) if (r != rank && links[r] == null) missing.add(r);
                if (missing.isEmpty()) return;
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    String refused = lastRefusal == null ? "" : "; last refused connection: " + lastRefusal;
                    throw fail(new DistributedException(Kind.TIMEOUT, "rank " + rank + ": ranks " + missing
                            + " did not complete the authenticated connection within " + deadlineMillis() + " ms" + refused));
                }
                waitNanos(state, left);
            }
        }
    }

    private long deadlineMillis() { return 5 * timeoutNanos / 1_000_000; }

    /** Called by a link handler once its peer proved the secret. */
    void register(PeerLink link) {
        synchronized (state) {
            links[link.peer] = link;
            state.notifyAll();
        }
    }

    /** Whether the connection to {@code peer} is open (a closing peer's goodbye and FIN close it). */
    boolean isConnected(int peer) {
        PeerLink link = links[peer];
        return link != null && link.channel.isActive();
    }

    boolean isRegistered(int peer) {
        synchronized (state) {
            return links[peer] != null;
        }
    }

    /** Logged and remembered for the mesh-timeout message; the group itself is not affected. */
    void refused(Channel ch, String reason) {
        String msg = "rank " + rank + " refused connection from " + ch.remoteAddress() + ": " + reason;
        LOG.log(System.Logger.Level.WARNING, msg);
        synchronized (state) {
            lastRefusal = ch.remoteAddress() + ": " + reason;
        }
        ch.close();
    }

    boolean isClosing() { return closing; }

    DistributedException failure() { return failure; }

    /** Sequence number of the next point-to-point transfer with {@code peer} under {@code tag}, per direction. */
    public long pointToPointSeq(int peer, int tag, boolean sending) {
        return links[peer].nextPointToPointSeq(tag, sending);
    }

    /** A new payload buffer of {@code bytes} to fill and pass to {@link #send}. */
    public OutFrame newFrame(long bytes) {
        ByteBuf b = frames.take((int) bytes);
        b.writerIndex((int) bytes);
        return new OutFrame(b);
    }

    /** Sends one segment of {@code call}; returns once the link is below its high-water mark. */
    public void send(int peer, Call call, int chunk, OutFrame frame) {
        ByteBuf payload = frame.take();
        if (failure != null) {
            payload.release();
            throw broken();
        }
        write(peer, call, call.header(chunk).setPayloadCrc32C(FrameCodec.crc32c(payload)), payload, false);
    }

    /**
     * Sends one segment straight from the caller's native memory, without copying it into a frame. The
     * transport reads {@code src} until the returned future completes: pass it to {@link #awaitWritten}
     * before the memory is written or freed.
     */
    public ChannelFuture sendBorrowed(int peer, Call call, int chunk, MemorySegment src) {
        if (failure != null) throw broken();
        ByteBuf payload = borrow(src);
        return write(peer, call, call.header(chunk).setPayloadCrc32C(FrameCodec.crc32c(payload)), payload, true);
    }

    /**
     * Sends a received frame's payload on to another peer without copying or re-hashing it. For a frame
     * received {@linkplain InFrame#inPlace() in place} the payload is the caller's memory: the returned
     * future must then be awaited like {@link #sendBorrowed}'s; otherwise it may be ignored.
     */
    public ChannelFuture forward(int peer, Call call, int chunk, InFrame in) {
        if (failure != null) throw broken();
        return write(peer, call, call.header(chunk).setPayloadCrc32C(in.header.getPayloadCrc32C()), in.payload.retainedDuplicate(),
                in.inPlace);
    }

    private ChannelFuture write(int peer, Call call, FrameHeader.Builder header, ByteBuf payload, boolean tracked) {
        PeerLink link = links[peer];
        long bytes = payload.readableBytes();
        FrameHeader h = header.setKind(org.visualchat.parallel.wire.Kind.DATA).setSrcRank(rank).build();
        ChannelFuture done = link.channel.writeAndFlush(FrameCodec.encode(link.channel.alloc(), h, payload),
                tracked ? link.channel.newPromise() : link.channel.voidPromise());
        stats.countFrame(call.op(), bytes);
        awaitWritable(link, call);
        return done;
    }

    /**
     * Posts the caller's native memory {@code dst} as the destination of segment {@code chunk} of {@code call}
     * from {@code peer}; {@link #receive} then returns a frame {@linkplain InFrame#inPlace() in place} if
     * the frame arrived after the post. Call {@link #unpost} before the collective returns.
     */
    public void post(int peer, Call call, int chunk, MemorySegment dst) {
        links[peer].post(call, chunk, borrow(dst).clear());
    }

    /**
     * Withdraws {@code call}'s posted receives. After a failure the event loop may be filling one of them: the
     * connection is then closed (given {@link #CLOSE_WAIT_MILLIS} to pass on the ABORT first), so that no
     * byte lands in the caller's memory after the collective has thrown.
     */
    public void unpost(Call call) {
        long grace = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CLOSE_WAIT_MILLIS);
        for (PeerLink link : links) {
            if (link == null || !link.unpost(call)) continue;
            if (!link.channel.closeFuture().awaitUninterruptibly(Math.max(0, grace - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                link.channel.close().awaitUninterruptibly(CLOSE_WAIT_MILLIS);
            }
        }
    }

    /**
     * Waits until the transport has handed every tracked write to the kernel (which copies the bytes), so the
     * caller's memory it read may be changed. A write that cannot finish within the op timeout fails the
     * group. After a failure, writes still pending get {@link #CLOSE_WAIT_MILLIS} in all (the ABORT queued
     * behind them closes their connections once written); then their connections are closed, which drops
     * them (a frozen peer would never read them).
     */
    public void awaitWritten(List<ChannelFuture> writes, Call call) {
        long deadline = System.nanoTime() + timeoutNanos;
        DistributedException error = null;
        for (ChannelFuture w : writes) {
            while (!w.isDone() && failure == null && System.nanoTime() < deadline) {
                w.awaitUninterruptibly(Math.min(100_000_000, Math.max(1, deadline - System.nanoTime())), TimeUnit.NANOSECONDS);
            }
            if (!w.isDone() && failure == null) {
                error = fail(new DistributedException(Kind.TIMEOUT, "rank " + rank + " timed out after " + timeoutNanos / 1_000_000
                        + " ms sending " + call + " to rank " + peerOf(w) + ": it is not reading (stopped or overloaded?)"));
            }
            if (failure != null) break;
        }
        if (error == null && writes.stream().allMatch(ChannelFuture::isDone)) return;
        if (failure != null) {
            long grace = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CLOSE_WAIT_MILLIS);
            for (ChannelFuture w : writes) {
                if (!w.awaitUninterruptibly(Math.max(0, grace - System.nanoTime()), TimeUnit.NANOSECONDS)) w.channel().close();
            }
            for (ChannelFuture w : writes) w.awaitUninterruptibly(CLOSE_WAIT_MILLIS);
            throw error != null ? error : broken();
        }
    }

    private int peerOf(ChannelFuture w) {
        for (PeerLink l : links) if (l != null && l.channel == w.channel()) return l.peer;
        return -1;
    }

    /**
     * A view of native memory any thread may use, as a Netty buffer that never frees it. The caller's segment
     * may be confined to its thread (Arena.ofConfined), and the event loop reads and writes it (CRC32C
     * through a ByteBuffer would otherwise throw WrongThreadException); the collective guarantees no use
     * after it returns ({@link #awaitWritten}, {@link #unpost}).
     */
    static ByteBuf borrow(MemorySegment seg) {
        return Unpooled.wrappedBuffer(MemorySegment.ofAddress(seg.address()).reinterpret(seg.byteSize()).asByteBuffer());
    }

    private void awaitWritable(PeerLink link, Call call) {
        if (link.channel.isWritable()) return;
        long deadline = System.nanoTime() + timeoutNanos;
        DistributedException error = null;
        synchronized (link) {
            while (!link.channel.isWritable() && error == null) {
                if (failure != null) throw broken();
                if (!link.channel.isActive()) {
                    // A peer that closed its group normally has finished every collective: it needs nothing more.
                    if (link.isClosedByPeer()) return;
                    error = peerGone(link, call);
                    break;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    error = new DistributedException(Kind.TIMEOUT, "rank " + rank + " timed out after " + timeoutNanos / 1_000_000
                            + " ms sending to rank " + link.peer + " (" + link.address + ") in " + call + ": rank " + link.peer
                            + " is not reading (stopped or overloaded?)");
                    break;
                }
                waitNanos(link, left);
            }
        }
        if (error != null) throw fail(error);
    }

    /** Next frame of {@code call} from {@code peer}; blocks at most the op timeout. Close the frame after use. */
    public InFrame receive(int peer, Call call, int chunk) {
        PeerLink link = links[peer];
        int key = PeerLink.key(call);
        long deadline = System.nanoTime() + timeoutNanos;
        DistributedException error;
        synchronized (link) {
            while (true) {
                if (failure != null) throw broken();
                InFrame f = link.poll(key);
                if (f != null) {
                    if (call.matches(f.header) && f.header.getChunk() == chunk) return f;
                    error = mismatch(link.peer, call, chunk, f);
                    f.close();
                    break;
                }
                if (link.isClosedByPeer()) {
                    error = peerGone(link, call);
                    break;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    error = new DistributedException(Kind.TIMEOUT, "rank " + rank + " timed out after " + timeoutNanos / 1_000_000
                            + " ms waiting for rank " + peer + " (" + link.address + ") in " + call + ", segment " + chunk
                            + silentPeers());
                    break;
                }
                waitNanos(link, left);
            }
        }
        throw fail(error);
    }

    /** Names peers not heard from (not even a heartbeat) for half the timeout: the likely frozen ranks. */
    private String silentPeers() {
        List<String> silent = new ArrayList<>();
        long now = System.nanoTime();
        for (PeerLink l : links) {
            if (l != null && now - l.lastHeardNanos > timeoutNanos / 2) {
                silent.add("rank " + l.peer + " silent for " + (now - l.lastHeardNanos) / 1_000_000 + " ms");
            }
        }
        return silent.isEmpty() ? "" : "; no traffic at all from: " + String.join(", ", silent) + " (stopped or frozen?)";
    }

    private DistributedException mismatch(int peer, Call call, int chunk, InFrame f) {
        if (call.matches(f.header)) {
            return new DistributedException(Kind.MISMATCH, "rank " + rank + " expected segment " + chunk + " of " + call
                    + " from rank " + peer + " but got segment " + f.header.getChunk()
                    + " (ranks configured with different segment sizes?)");
        }
        return new DistributedException(Kind.MISMATCH, "collective mismatch: rank " + rank + " called " + call
                + " while rank " + peer + " called " + Call.describe(f.header));
    }

    private DistributedException peerGone(PeerLink link, Call call) {
        String why = link.isClosedByPeer() ? "closed its process group" : "closed the connection";
        return new DistributedException(Kind.PEER_CLOSED, "rank " + link.peer + " (" + link.address + ") " + why
                + " while rank " + rank + " was in " + call);
    }

    /** Records the first failure, tells every peer, wakes every waiter; returns the exception to throw. */
    public DistributedException fail(DistributedException e) {
        synchronized (state) {
            if (failure != null) return broken();
            failure = e;
            state.notifyAll();
        }
        if (!closing) LOG.log(System.Logger.Level.ERROR, "rank " + rank + ": process group failed: " + e.getMessage());
        // Every rank passes the failure on, not only the one where it began: a rank that learned of it from an
        // ABORT will close its links next, and its peers must read why before they see the close. TCP orders our
        // ABORT before our FIN on each connection; ABORTs from different ranks race on different connections.
        // Only our side is closed (FIN): closing the socket with the peer's data still unread would make the
        // kernel reset the connection, and a peer busy writing then fails on the reset before it reads the ABORT
        // (seen under load: "writev(..) failed: Connection reset by peer"). close() waits for the peer's FIN.
        FrameHeader abort = FrameHeader.newBuilder().setKind(org.visualchat.parallel.wire.Kind.ABORT).setSrcRank(rank)
                .setError(e.getMessage()).build();
        for (PeerLink link : links) {
            if (link == null) continue;
            if (link.channel.isActive()) {
                link.channel.writeAndFlush(FrameCodec.control(link.channel.alloc(), abort)).addListener(SHUTDOWN_OUTPUT);
            }
            link.drain();
        }
        return broken();
    }

    /** A fresh exception for this call site carrying the group's first failure. */
    private DistributedException broken() {
        DistributedException f = failure;
        return new DistributedException(f.kind(), f.getMessage(), f);
    }

    /** Throws if the group has failed. */
    public void checkHealthy() {
        if (failure != null) throw broken();
    }

    /**
     * Leaves the group in an orderly way (a TCP close that resets nothing): each link gets a goodbye (CLOSE,
     * so the peer does not take this for a crash), then our FIN once the goodbye is written. A peer's event
     * loop answers the FIN by closing its side (Netty closes a channel at EOF), so waiting for the channel to
     * close waits for the peer to have read everything we sent; it is bounded by {@link #CLOSE_WAIT_MILLIS}
     * for a frozen peer. Closing with the peer's data still unread, or before it has read ours, would make
     * the kernel answer with a reset, which the peer could see before our goodbye. After a failure the ABORT
     * and our FIN are already on their way ({@link #fail}) and the wait is the same. Channels are closed
     * before the event loop stops: a stopping loop closes its channels before running queued tasks, dropping
     * anything queued.
     */
    @Override
    public void close() {
        if (closing) return;
        closing = true;
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(Math.min(CLOSE_WAIT_MILLIS, timeoutNanos / 1_000_000));
        for (PeerLink link : links) {
            if (link == null || failure != null || !link.channel.isActive()) continue;
            FrameHeader bye = FrameHeader.newBuilder().setKind(org.visualchat.parallel.wire.Kind.CLOSE).setSrcRank(rank).build();
            link.channel.writeAndFlush(FrameCodec.control(link.channel.alloc(), bye)).addListener(SHUTDOWN_OUTPUT);
        }
        for (PeerLink link : links) {
            if (link == null) continue;
            link.channel.closeFuture().awaitUninterruptibly(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            link.channel.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        }
        server.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        loop.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        for (PeerLink link : links) if (link != null) link.drain();
    }

    static void waitNanos(Object monitor, long nanos) {
        try {
            TimeUnit.NANOSECONDS.timedWait(monitor, Math.max(nanos, 1));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DistributedException(Kind.ABORTED, "interrupted while waiting in a collective", e);
        }
    }
}
