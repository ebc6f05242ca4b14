package org.visualchat.parallel.transport;

import io.netty.buffer.ByteBuf;
import java.lang.foreign.MemorySegment;

/**
 * A payload being prepared for sending: algorithms write (copy or reduce) straight into
 * {@link #payload()}, so a reduced segment is never copied twice. Ownership passes to the transport on
 * send; {@link #close()} releases it if it is never sent.
 */
public final class OutFrame implements AutoCloseable {
    ByteBuf buf;

    OutFrame(ByteBuf buf) { this.buf = buf; }

    public MemorySegment payload() {
        return buf.readableBytes() == 0 ? InFrame.EMPTY : MemorySegment.ofBuffer(buf.nioBuffer());
    }

    ByteBuf take() {
        ByteBuf b = buf;
        buf = null;
        return b;
    }

    @Override
    public void close() {
        if (buf != null) take().release();
    }
}
