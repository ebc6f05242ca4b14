package org.visualchat.parallel.transport;

import io.netty.buffer.ByteBuf;
import java.lang.foreign.MemorySegment;
import org.visualchat.parallel.wire.FrameHeader;

/**
 * A received, CRC-checked frame; the payload is a pool buffer until {@link #close()}, or, when
 * {@link #inPlace()}, the caller's own memory that was posted for it.
 */
public final class InFrame implements AutoCloseable {
    static final MemorySegment EMPTY = MemorySegment.ofArray(new byte[0]);

    final FrameHeader header;
    final ByteBuf payload;
    final boolean inPlace;

    InFrame(FrameHeader header, ByteBuf payload, boolean inPlace) {
        this.header = header;
        this.payload = payload;
        this.inPlace = inPlace;
    }

    /** Whether the payload was received straight into the memory posted for it (nothing left to copy). */
    public boolean inPlace() { return inPlace; }

    /** Payload bytes as a read-only segment, valid until {@link #close()}. */
    public MemorySegment payload() {
        return payload.readableBytes() == 0 ? EMPTY
                : MemorySegment.ofBuffer(payload.nioBuffer()).asReadOnly();
    }

    public long payloadBytes() { return payload.readableBytes(); }

    @Override
    public void close() { payload.release(); }
}
