package org.visualchat.parallel.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.CorruptedFrameException;
import com.google.protobuf.InvalidProtocolBufferException;
import java.util.List;
import java.util.zip.CRC32C;
import org.visualchat.parallel.wire.FrameHeader;
import org.visualchat.parallel.wire.Kind;

/**
 * Frame layout: u32 length of the rest | u32 header length | {@link FrameHeader} | payload | u32 CRC32C of
 * the header bytes; the header holds the payload's CRC32C. Until the peer is authenticated only small
 * frames are accepted, so a stranger cannot make a rank buffer megabytes. Payloads land in the caller's
 * memory when a collective posted it for the frame ({@link PeerLink#claim}), otherwise in {@link FramePool}
 * buffers; most bytes straight from the socket either way ({@link #nextReadTarget()}).
 */
final class FrameCodec extends ByteToMessageDecoder {
    static final int HANDSHAKE_MAX_FRAME = 4096;
    private static final int OVERHEAD = 12;
    /** Payload remainders at least this large are read from the socket straight into the frame buffer. */
    private static final int DIRECT_READ_MIN = 4096;

    private final FramePool pool;
    private int maxFrameBytes = HANDSHAKE_MAX_FRAME;
    // The frame being received: its header is parsed, its payload is filling.
    private byte[] header;
    private ByteBuf payload;
    private boolean inPlace;
    private int payloadMissing;
    /** The authenticated peer's link, whose posted receives payloads may land in; null before READY. */
    private PeerLink link;
    /** The slice of {@link #payload} handed to the last socket read, or null. */
    private ByteBuf readTarget;

    FrameCodec(FramePool pool) {
        this.pool = pool;
    }

    /**
     * Where the next socket read should land ({@link PayloadReads}): the unfilled rest of the payload being
     * received, so the kernel copies it straight into the frame buffer instead of into a receive buffer the
     * decoder then copies from; null (read into a fresh buffer) between payloads or while undecoded bytes
     * are waiting, since those must be decoded first.
     */
    ByteBuf nextReadTarget() {
        if (payload == null || payloadMissing < DIRECT_READ_MIN || internalBuffer().isReadable()) return null;
        readTarget = payload.retainedSlice(payload.writerIndex(), payloadMissing).clear();
        return readTarget;
    }

    /** Called on the event loop once the handshake succeeded. */
    void authenticated(int maxPayloadBytes, PeerLink link) {
        maxFrameBytes = maxPayloadBytes + HANDSHAKE_MAX_FRAME;
        this.link = link;
    }

    static int crc32c(ByteBuf buf) {
        CRC32C c = new CRC32C();
        if (buf.nioBufferCount() == 1) {
            c.update(buf.nioBuffer());
        } else {
            for (java.nio.ByteBuffer b : buf.nioBuffers()) c.update(b);
        }
        return (int) c.getValue();
    }

    /** Header + payload + trailer as one buffer (payload not copied); takes ownership of {@code payload}. */
    static ByteBuf encode(ByteBufAllocator alloc, FrameHeader header, ByteBuf payload) {
        byte[] h = header.toByteArray();
        ByteBuf head = alloc.directBuffer(8 + h.length);
        head.writeInt(4 + h.length + payload.readableBytes() + 4).writeInt(h.length).writeBytes(h);
        ByteBuf tail = alloc.directBuffer(4);
        tail.writeInt(crc32c(Unpooled.wrappedBuffer(h)));
        return alloc.compositeDirectBuffer(3).addComponents(true, head, payload, tail);
    }

    /** A frame without payload (handshake, abort, close). */
    static ByteBuf control(ByteBufAllocator alloc, FrameHeader header) {
        return encode(alloc, header, Unpooled.EMPTY_BUFFER);
    }

    /**
     * One frame per call: ByteToMessageDecoder hands it on before decoding the next, so the handshake can
     * raise the frame limit (READY) before a large DATA frame right behind it is decoded. The payload is
     * copied out of each socket read as it arrives, straight into its (recycled) frame buffer: the
     * cumulation buffer then never holds more than a header and one read, instead of being grown and
     * copied along a whole megabyte segment (measured: the growth showed up in profiles of the rings).
     */
    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
        if (payload == null) {
            if (in.readableBytes() < 8) return;
            int length = in.getInt(in.readerIndex());
            if (length < OVERHEAD - 4 || length > maxFrameBytes) {
                throw new CorruptedFrameException("frame length " + length + " outside [8, " + maxFrameBytes + "]");
            }
            int headerLength = in.getInt(in.readerIndex() + 4);
            if (headerLength < 0 || headerLength > length - 8) {
                throw new CorruptedFrameException("header length " + headerLength + " outside [0, " + (length - 8) + "]");
            }
            if (in.readableBytes() < 8 + headerLength) return;
            in.skipBytes(8);
            header = new byte[headerLength];
            in.readBytes(header);
            payloadMissing = length - 8 - headerLength;
            payload = postedTarget();
            inPlace = payload != null;
            if (!inPlace) {
                payload = payloadMissing <= pool.capacity() ? pool.take(payloadMissing) : ctx.alloc().directBuffer(payloadMissing, payloadMissing);
            }
        }
        if (payloadMissing > 0) {
            int n = Math.min(payloadMissing, in.readableBytes());
            if (in == readTarget) {
                // The socket read filled the payload in place (ByteToMessageDecoder decodes an incoming buffer
                // as is when nothing was pending): only the indices move.
                payload.writerIndex(payload.writerIndex() + n);
                in.skipBytes(n);
            } else {
                payload.writeBytes(in, n);
            }
            readTarget = null;
            payloadMissing -= n;
            if (payloadMissing > 0) return;
            if (inPlace) link.filled();
        }
        if (in.readableBytes() < 4) return;
        int expected = in.readInt();
        ByteBuf p = payload;
        payload = null;
        try {
            out.add(new InFrame(parse(header, expected, p), p, inPlace));
        } catch (Exception e) {
            p.release();
            throw e;
        }
    }

    /**
     * The caller's memory posted for the DATA frame whose header was just read, or null. The header is parsed
     * here before its CRC (in the trailer) is checked; a corrupt header that happens to match a post only
     * scribbles on a buffer whose collective then fails with a CRC error.
     */
    private ByteBuf postedTarget() {
        if (link == null || payloadMissing == 0) return null;
        FrameHeader h;
        try {
            h = FrameHeader.parseFrom(header);
        } catch (InvalidProtocolBufferException e) {
            return null;    // reported as corrupt once the frame is complete
        }
        return h.getKind() == Kind.DATA ? link.claim(h, payloadMissing) : null;
    }

    @Override
    protected void handlerRemoved0(ChannelHandlerContext ctx) {
        if (payload != null) {
            if (inPlace && payloadMissing > 0) link.filled();
            payload.release();
            payload = null;
        }
    }

    private static FrameHeader parse(byte[] headerBytes, int expectedCrc, ByteBuf payload) throws CorruptedFrameException {
        CRC32C c = new CRC32C();
        c.update(headerBytes);
        int actual = (int) c.getValue();
        if (actual != expectedCrc) {
            throw new CorruptedFrameException(String.format("header CRC32C mismatch (expected %08x, got %08x)", expectedCrc, actual));
        }
        FrameHeader h;
        try {
            h = FrameHeader.parseFrom(headerBytes);
        } catch (InvalidProtocolBufferException e) {
            throw new CorruptedFrameException("unparseable frame header: " + e.getMessage());
        }
        if (h.getKind() == Kind.DATA) {
            int p = payload.readableBytes() == 0 ? 0 : crc32c(payload);
            if (p != h.getPayloadCrc32C()) {
                throw new CorruptedFrameException(String.format("payload CRC32C mismatch in %s chunk %d (expected %08x, got %08x)",
                        Call.describe(h), h.getChunk(), h.getPayloadCrc32C(), p));
            }
        }
        return h;
    }
}
