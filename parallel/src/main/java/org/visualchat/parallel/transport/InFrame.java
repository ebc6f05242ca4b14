package org.visualchat.parallel.transport;

import io.netty.buffer.ByteBuf;
import java.lang.foreign.MemorySegment;
import org.visualchat.parallel.wire.FrameHeader;

/** A received, CRC-checked frame; the payload is a slice of Netty's receive buffer until {@link #close()}. */
public final class InFrame implements AutoCloseable {
    static final MemorySegment EMPTY = MemorySegment.ofArray(new byte[0]);

    final FrameHeader header;
    final ByteBuf payload;

    InFrame(FrameHeader header, ByteBuf payload) {
        this.header = header;
        this.payload = payload;
    }

    /** Payload bytes as a read-only segment, valid until {@link #close()}. */
    public MemorySegment payload() {
        return payload.readableBytes() == 0 ? EMPTY
                : MemorySegment.ofBuffer(payload.nioBuffer()).asReadOnly();
    }

    public long payloadBytes() { return payload.readableBytes(); }

    @Override
    public void close() { payload.release(); }
}
