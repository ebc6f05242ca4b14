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
 * frames are accepted, so a stranger cannot make a rank buffer megabytes.
 */
final class FrameCodec extends ByteToMessageDecoder {
    static final int HANDSHAKE_MAX_FRAME = 4096;
    private static final int OVERHEAD = 12;

    private int maxFrameBytes = HANDSHAKE_MAX_FRAME;

    /** Called on the event loop once the handshake succeeded. */
    void authenticated(int maxPayloadBytes) { maxFrameBytes = maxPayloadBytes + HANDSHAKE_MAX_FRAME; }

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

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
        // One frame per call: ByteToMessageDecoder hands it on before decoding the next, so the handshake can
        // raise the frame limit (READY) before a large DATA frame right behind it is decoded.
        if (in.readableBytes() >= 4) {
            int length = in.getInt(in.readerIndex());
            if (length < OVERHEAD - 4 || length > maxFrameBytes) {
                throw new CorruptedFrameException("frame length " + length + " outside [8, " + maxFrameBytes + "]");
            }
            if (in.readableBytes() < 4 + length) return;
            in.skipBytes(4);
            int headerLength = in.readInt();
            if (headerLength < 0 || headerLength > length - 8) {
                throw new CorruptedFrameException("header length " + headerLength + " outside [0, " + (length - 8) + "]");
            }
            ByteBuf headerBytes = in.readSlice(headerLength);
            // Copied out rather than sliced: a slice would pin the cumulation buffer while the frame waits
            // in an inbox, and every later read would then copy the whole partial frame again.
            int payloadLength = length - 8 - headerLength;
            ByteBuf payload = ctx.alloc().directBuffer(payloadLength, payloadLength);
            in.readBytes(payload, payloadLength);
            int expected = in.readInt();
            try {
                out.add(new InFrame(parse(headerBytes, expected, payload), payload));
            } catch (Exception e) {
                payload.release();
                throw e;
            }
        }
    }

    private static FrameHeader parse(ByteBuf headerBytes, int expectedCrc, ByteBuf payload) throws CorruptedFrameException {
        int actual = crc32c(headerBytes);
        if (actual != expectedCrc) {
            throw new CorruptedFrameException(String.format("header CRC32C mismatch (expected %08x, got %08x)", expectedCrc, actual));
        }
        FrameHeader h;
        try {
            h = FrameHeader.parseFrom(headerBytes.nioBuffer());
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
