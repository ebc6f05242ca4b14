package org.visualchat.parallel.transport;

import com.google.protobuf.ByteString;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import org.visualchat.parallel.DistributedException;
import org.visualchat.parallel.GroupOptions;
import org.visualchat.parallel.wire.FrameHeader;
import org.visualchat.parallel.wire.Kind;

/**
 * The handshake, then dispatch, of one connection. Handshake (distributed.md §4.4), connector = higher rank:
 * <pre>
 * C → A  HELLO     rank c, world, run id, nonce nc
 * A → C  CHALLENGE rank a, nonce na, HMAC(secret, "challenge", run, a, c, nc, na)
 * C → A  AUTH      HMAC(secret, "auth", run, c, a, na, nc)
 * A → C  READY
 * </pre>
 * Both sides prove the secret over a fresh nonce of the other, so a recorded handshake cannot be replayed.
 * A stranger is refused and logged; until READY only small frames are decoded.
 */
final class LinkHandler extends ChannelInboundHandlerAdapter {
    private enum State { AWAIT_HELLO, AWAIT_AUTH, AWAIT_CHALLENGE, AWAIT_READY, READY, REFUSED }

    private final Transport transport;
    private final FrameCodec codec;
    private final boolean connector;
    private final byte[] nonce = Hmac.nonce();
    private int peer;
    private byte[] peerNonce;
    private State state;
    private PeerLink link;

    /** {@code expectedPeer} ≥ 0: this side connects to that rank; -1: this side accepted the connection. */
    LinkHandler(Transport transport, FrameCodec codec, int expectedPeer) {
        this.transport = transport;
        this.codec = codec;
        this.connector = expectedPeer >= 0;
        this.peer = expectedPeer;
        this.state = connector ? State.AWAIT_CHALLENGE : State.AWAIT_HELLO;
    }

    private GroupOptions o() { return transport.options; }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        if (connector) {
            send(ctx, header(Kind.HELLO).setWorldSize(o().worldSize()).setRunId(o().runId()).setNonce(ByteString.copyFrom(nonce)));
        }
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        InFrame f = (InFrame) msg;
        FrameHeader h = f.header;
        if (state != State.READY) {
            f.close();
            if (state != State.REFUSED) handshake(ctx, h);
            return;
        }
        link.lastHeardNanos = System.nanoTime();
        switch (h.getKind()) {
            case DATA -> link.deliver(f);
            case HEARTBEAT -> f.close();
            case ABORT -> {
                f.close();
                transport.fail(new DistributedException(DistributedException.Kind.ABORTED, "rank " + transport.rank + ": rank "
                        + peer + " aborted the group: " + h.getError()));
            }
            case CLOSE -> {
                f.close();
                link.peerClosed();
            }
            default -> {
                f.close();
                transport.fail(new DistributedException(DistributedException.Kind.CORRUPT_FRAME, "rank " + transport.rank
                        + ": unexpected " + h.getKind() + " frame from rank " + peer + " (" + link.address + ") after the handshake"));
            }
        }
    }

    private void handshake(ChannelHandlerContext ctx, FrameHeader h) {
        String run = o().runId();
        int me = transport.rank;
        switch (state) {
            case AWAIT_HELLO -> {
                int c = h.getSrcRank();
                if (h.getKind() != Kind.HELLO) {
                    refuse(ctx, "expected HELLO, got " + h.getKind());
                } else if (!h.getRunId().equals(run)) {
                    refuse(ctx, "run id '" + h.getRunId() + "' is not '" + run + "'");
                } else if (h.getWorldSize() != o().worldSize() || c <= me || c >= o().worldSize()) {
                    refuse(ctx, "claims rank " + c + " of " + h.getWorldSize() + "; rank " + me + " accepts ranks "
                            + (me + 1) + ".." + (o().worldSize() - 1) + " of " + o().worldSize());
                } else {
                    peer = c;
                    peerNonce = h.getNonce().toByteArray();
                    state = State.AWAIT_AUTH;
                    send(ctx, header(Kind.CHALLENGE).setNonce(ByteString.copyFrom(nonce))
                            .setMac(ByteString.copyFrom(Hmac.sign(o().secret(), "challenge", run, me, peer, peerNonce, nonce))));
                }
            }
            case AWAIT_AUTH -> {
                byte[] want = Hmac.sign(o().secret(), "auth", run, peer, me, nonce, peerNonce);
                if (h.getKind() != Kind.AUTH || !Hmac.verify(want, h.getMac().toByteArray())) {
                    refuse(ctx, "HMAC mismatch from a peer claiming rank " + peer + " (wrong VC_DIST_SECRET?)");
                } else if (transport.isRegistered(peer)) {
                    refuse(ctx, "rank " + peer + " is already connected (two processes with the same RANK?)");
                } else {
                    send(ctx, header(Kind.READY));
                    ready(ctx);
                }
            }
            case AWAIT_CHALLENGE -> {
                byte[] acceptorNonce = h.getNonce().toByteArray();
                byte[] want = Hmac.sign(o().secret(), "challenge", run, peer, me, nonce, acceptorNonce);
                if (h.getKind() != Kind.CHALLENGE || h.getSrcRank() != peer || !Hmac.verify(want, h.getMac().toByteArray())) {
                    authFailed(ctx, "rank " + peer + " at " + ctx.channel().remoteAddress()
                            + " failed the handshake: HMAC mismatch (different VC_DIST_SECRET?)");
                } else {
                    state = State.AWAIT_READY;
                    send(ctx, header(Kind.AUTH).setMac(ByteString.copyFrom(Hmac.sign(o().secret(), "auth", run, me, peer, acceptorNonce, nonce))));
                }
            }
            case AWAIT_READY -> {
                if (h.getKind() != Kind.READY) {
                    authFailed(ctx, "rank " + peer + " answered the handshake with " + h.getKind() + " instead of READY");
                } else {
                    ready(ctx);
                }
            }
            default -> throw new IllegalStateException("handshake in state " + state);
        }
    }

    private void ready(ChannelHandlerContext ctx) {
        state = State.READY;
        link = new PeerLink(peer, ctx.channel());
        codec.authenticated(o().segmentBytes(), link);
        transport.register(link);
        long period = Math.max(1, o().timeout().toMillis() / 4);
        ctx.executor().scheduleAtFixedRate(() -> {
            if (ctx.channel().isActive()) send(ctx, header(Kind.HEARTBEAT));
        }, period, period, java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    /** Acceptor side: a stranger or a misconfigured rank; logged, the group is not affected. */
    private void refuse(ChannelHandlerContext ctx, String reason) {
        state = State.REFUSED;
        transport.refused(ctx.channel(), reason);
    }

    /** Connector side: the rank we must reach cannot be trusted, so the group cannot form. */
    private void authFailed(ChannelHandlerContext ctx, String reason) {
        state = State.REFUSED;
        ctx.close();
        transport.fail(new DistributedException(DistributedException.Kind.AUTH, "rank " + transport.rank + ": " + reason));
    }

    private FrameHeader.Builder header(Kind kind) {
        return FrameHeader.newBuilder().setKind(kind).setSrcRank(transport.rank);
    }

    private static void send(ChannelHandlerContext ctx, FrameHeader.Builder h) {
        ctx.writeAndFlush(FrameCodec.control(ctx.alloc(), h.build()));
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (transport.isClosing() || transport.failure() != null) return;
        if (state == State.READY && !link.isClosedByPeer()) {
            transport.fail(new DistributedException(DistributedException.Kind.PEER_CLOSED, "rank " + transport.rank
                    + ": connection to rank " + peer + " (" + link.address + ") closed unexpectedly (process died?)"));
        } else if (connector && state != State.READY && state != State.REFUSED) {
            transport.fail(new DistributedException(DistributedException.Kind.AUTH, "rank " + transport.rank + ": rank " + peer
                    + " at " + ctx.channel().remoteAddress() + " closed the connection during the handshake"
                    + " (it refused us: different VC_DIST_SECRET, run id or world size?)"));
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (link != null) {
            synchronized (link) {
                link.notifyAll();
            }
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (state != State.READY) {
            ctx.close();
            if (connector && state != State.REFUSED) {
                authFailed(ctx, "handshake with rank " + peer + " failed: " + cause.getMessage());
            } else if (state != State.REFUSED) {
                refuse(ctx, cause.getMessage());
            }
            return;
        }
        if (link.isClosedByPeer()) {
            // The peer said goodbye and closed its socket; a reset now is that teardown (e.g. our heartbeat
            // reached it after its last read), not a failure. Failing here aborted healthy groups.
            ctx.close();
            return;
        }
        // The group fails and this channel closes once the ABORT telling the peer why has been written.
        boolean corrupt = cause instanceof DecoderException;
        String what = corrupt ? "corrupt frame from rank " : "connection error with rank ";
        transport.fail(new DistributedException(corrupt ? DistributedException.Kind.CORRUPT_FRAME : DistributedException.Kind.PEER_CLOSED,
                "rank " + transport.rank + ": " + what + peer + " (" + link.address + "): " + cause.getMessage(), cause));
    }
}
