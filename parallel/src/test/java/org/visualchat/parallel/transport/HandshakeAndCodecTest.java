package org.visualchat.parallel.transport;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.visualchat.parallel.Launcher;
import org.visualchat.parallel.LocalRanks;
import org.visualchat.parallel.ReduceOp;
import org.visualchat.parallel.wire.FrameHeader;
import org.visualchat.parallel.wire.Kind;

/** Frame codec on an EmbeddedChannel, and a stranger at a live rank's data port (distributed.md §8.3 C). */
class HandshakeAndCodecTest {

    private static ByteBuf dataFrame(byte[] payload) {
        FrameHeader h = FrameHeader.newBuilder().setKind(Kind.DATA).setSeq(7).setCount(payload.length / 4)
                .setPayloadCrc32C(FrameCodec.crc32c(Unpooled.wrappedBuffer(payload))).build();
        return FrameCodec.encode(UnpooledByteBufAllocator.DEFAULT, h, Unpooled.wrappedBuffer(payload));
    }

    private static EmbeddedChannel authenticatedDecoder() {
        FrameCodec codec = new FrameCodec(new FramePool(1 << 20, 4));
        codec.authenticated(1 << 20, null);
        return new EmbeddedChannel(codec);
    }

    @Test
    void intactFrameRoundTrips() {
        EmbeddedChannel ch = authenticatedDecoder();
        byte[] payload = {1, 2, 3, 4, 5, 6, 7, 8};
        ch.writeInbound(dataFrame(payload));
        try (InFrame f = ch.readInbound()) {
            assertEquals(7, f.header.getSeq());
            byte[] got = new byte[8];
            f.payload.getBytes(0, got);
            assertArrayEquals(payload, got);
        }
    }

    @Test
    void frameArrivingInPiecesIsReassembled() {
        EmbeddedChannel ch = authenticatedDecoder();
        byte[] payload = new byte[5000];
        for (int i = 0; i < payload.length; i++) payload[i] = (byte) (i * 31);
        ByteBuf frame = dataFrame(payload);
        for (int cut : new int[] {3, 20, 1000, 4990}) {   // inside the length, the header, the payload, near the end
            ch.writeInbound(frame.readRetainedSlice(cut - frame.readerIndex()));
            assertNull(ch.readInbound(), "no frame before the last byte");
        }
        ch.writeInbound(frame);
        try (InFrame f = ch.readInbound()) {
            byte[] got = new byte[payload.length];
            f.payload.getBytes(0, got);
            assertArrayEquals(payload, got);
        }
    }

    @Test
    void postedReceiveLandsInTheCallersMemory() {
        FrameCodec codec = new FrameCodec(new FramePool(1 << 20, 4));
        EmbeddedChannel ch = new EmbeddedChannel(codec);
        PeerLink link = new PeerLink(1, ch);
        codec.authenticated(1 << 20, link);
        Call call = new Call(org.visualchat.parallel.Collective.ALL_GATHER, org.visualchat.tensor.DType.F32, 30_000, 0, 0, 7);
        try (java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined()) {
            java.lang.foreign.MemorySegment user = arena.allocate(3 * 40_000);
            link.post(call, 0, Transport.borrow(user.asSlice(0, 40_000)).clear());
            link.post(call, 1, Transport.borrow(user.asSlice(40_000, 40_000)).clear());   // its frame has another size
            byte[][] payloads = new byte[3][];
            for (int c = 0; c < 3; c++) {
                payloads[c] = new byte[c == 1 ? 36_000 : 40_000];
                for (int i = 0; i < payloads[c].length; i++) payloads[c][i] = (byte) (i * 13 + c);
                ByteBuf payload = Unpooled.wrappedBuffer(payloads[c]);
                ByteBuf frame = FrameCodec.encode(UnpooledByteBufAllocator.DEFAULT, call.header(c).setKind(Kind.DATA)
                        .setPayloadCrc32C(FrameCodec.crc32c(payload)).build(), payload);
                ch.writeInbound(frame.readRetainedSlice(100));   // the header first: the post is claimed on it
                ch.writeInbound(frame);
            }
            for (int c = 0; c < 3; c++) {
                try (InFrame f = ch.readInbound()) {
                    byte[] got = new byte[payloads[c].length];
                    f.payload.getBytes(0, got);
                    assertArrayEquals(payloads[c], got);
                    assertEquals(c == 0, f.inPlace(), "segment " + c + ": only the posted one of the right size lands in place");
                }
            }
            byte[] landed = user.asSlice(0, 40_000).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
            assertArrayEquals(payloads[0], landed, "the kernel's bytes are in the caller's buffer");
            assertEquals(0, user.get(java.lang.foreign.ValueLayout.JAVA_BYTE, 40_000 + 5), "a mismatched post is left alone");
            assertTrue(!link.unpost(call), "nothing is being filled");
        }
    }

    @Test
    void socketReadsLandInTheFrameBuffer() {
        FrameCodec codec = new FrameCodec(new FramePool(1 << 20, 4));
        codec.authenticated(1 << 20, null);
        EmbeddedChannel ch = new EmbeddedChannel(codec);
        byte[] payload = new byte[100_000];
        for (int i = 0; i < payload.length; i++) payload[i] = (byte) (i * 7);
        ByteBuf frame = dataFrame(payload);
        assertNull(codec.nextReadTarget(), "no payload pending: reads go to a fresh buffer");
        ch.writeInbound(frame.readRetainedSlice(frame.readableBytes() - payload.length - 4 + 1000));   // header + 1000 bytes
        ByteBuf target = codec.nextReadTarget();
        assertEquals(payload.length - 1000, target.writableBytes());
        java.nio.ByteBuffer view = target.nioBuffer(0, target.capacity());   // shares the target's memory
        target.writeBytes(frame, target.writableBytes());                   // what the socket read does
        ch.writeInbound(target);
        assertNull(codec.nextReadTarget(), "payload complete: the trailer goes to a fresh buffer");
        ch.writeInbound(frame);
        try (InFrame f = ch.readInbound()) {
            byte[] got = new byte[payload.length];
            f.payload.getBytes(0, got);
            assertArrayEquals(payload, got);
            f.payload.setByte(1000, 99);
            assertEquals(99, view.get(0), "the read filled the frame's own buffer, not a copy");
        }
    }

    @Test
    void flippedPayloadByteIsACrcError() {
        ByteBuf frame = dataFrame(new byte[4000]);
        frame.setByte(frame.writerIndex() - 100, 1);
        DecoderException e = assertThrows(DecoderException.class, () -> authenticatedDecoder().writeInbound(frame));
        assertTrue(e.getMessage().contains("payload CRC32C mismatch"), e.getMessage());
    }

    @Test
    void flippedHeaderByteIsACrcError() {
        ByteBuf frame = dataFrame(new byte[40]);
        frame.setByte(9, frame.getByte(9) ^ 1);
        DecoderException e = assertThrows(DecoderException.class, () -> authenticatedDecoder().writeInbound(frame));
        assertTrue(e.getMessage().contains("header CRC32C mismatch"), e.getMessage());
    }

    @Test
    void largeFrameBeforeHandshakeIsRefused() {
        DecoderException e = assertThrows(DecoderException.class, () -> new EmbeddedChannel(new FrameCodec(new FramePool(1 << 20, 4))).writeInbound(dataFrame(new byte[8192])));
        assertTrue(e.getMessage().contains("outside [8, 4096]"), e.getMessage());
    }

    @Test
    void strangerWithoutTheSecretIsRefusedAndTheGroupCarriesOn() {
        int port = Launcher.freePort();
        // Liveness bounds only, generous for a loaded machine: rank 1 waits in the second barrier while rank 0
        // plays the stranger, whose reads give up after 20 s.
        List<Object> res = LocalRanks.run(2, r -> LocalRanks.options(r, 2, port, Duration.ofSeconds(30)), pg -> {
            pg.barrier();
            String verdict = "";
            if (pg.rank() == 0) verdict = strangerHandshake(pg.dataAddress());
            pg.barrier();
            float[] x = {pg.rank() + 1f};
            pg.allReduce(x, ReduceOp.SUM);
            return verdict + " sum=" + x[0];
        });
        assertEquals("refused after CHALLENGE sum=3.0", res.get(0));
        assertEquals(" sum=3.0", res.get(1));
    }

    /** Plays a connector claiming rank 1 that does not know the secret; returns what happened. */
    private static String strangerHandshake(InetSocketAddress rank0) throws IOException {
        try (Socket s = new Socket(rank0.getAddress(), rank0.getPort())) {
            s.setSoTimeout(20_000);
            write(s, FrameHeader.newBuilder().setKind(Kind.HELLO).setSrcRank(1).setWorldSize(2).setRunId("default")
                    .setNonce(ByteString.copyFrom(new byte[32])).build());
            FrameHeader challenge = read(new DataInputStream(s.getInputStream()));
            if (challenge.getKind() != Kind.CHALLENGE) return "unexpected " + challenge.getKind();
            write(s, FrameHeader.newBuilder().setKind(Kind.AUTH).setSrcRank(1).setMac(ByteString.copyFrom(new byte[32])).build());
            try {
                return "got " + read(new DataInputStream(s.getInputStream())).getKind();
            } catch (EOFException | java.net.SocketException e) {
                return "refused after CHALLENGE";
            }
        }
    }

    private static void write(Socket s, FrameHeader h) throws IOException {
        ByteBuf b = FrameCodec.control(UnpooledByteBufAllocator.DEFAULT, h);
        byte[] bytes = new byte[b.readableBytes()];
        b.readBytes(bytes);
        b.release();
        s.getOutputStream().write(bytes);
    }

    private static FrameHeader read(DataInputStream in) throws IOException {
        byte[] rest = new byte[in.readInt()];
        in.readFully(rest);
        int headerLength = java.nio.ByteBuffer.wrap(rest).getInt();
        return FrameHeader.parseFrom(java.nio.ByteBuffer.wrap(rest, 4, headerLength));
    }
}
