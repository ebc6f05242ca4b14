package org.visualchat.parallel.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.util.UncheckedBooleanSupplier;

/**
 * A receive-buffer policy that lets the kernel copy a frame's payload straight into its frame buffer
 * (distributed.md §4.4, zero-copy receive): while a payload is being received, each socket read is given the
 * payload's unfilled rest ({@link FrameCodec#nextReadTarget()}); otherwise Netty's adaptive sizing applies.
 * One instance per channel, used on its event loop only.
 */
final class PayloadReads implements RecvByteBufAllocator {
    private final FrameCodec codec;
    private final AdaptiveRecvByteBufAllocator sizing = new AdaptiveRecvByteBufAllocator();

    PayloadReads(FrameCodec codec) {
        this.codec = codec;
    }

    @Override
    public Handle newHandle() {
        return new PayloadHandle((ExtendedHandle) sizing.newHandle());
    }

    /** Netty's epoll transport requires an {@link ExtendedHandle}. */
    private final class PayloadHandle extends DelegatingHandle implements ExtendedHandle {
        PayloadHandle(ExtendedHandle sized) {
            super(sized);
        }

        @Override
        public ByteBuf allocate(ByteBufAllocator alloc) {
            ByteBuf target = codec.nextReadTarget();
            return target != null ? target : super.allocate(alloc);
        }

        @Override
        public boolean continueReading(UncheckedBooleanSupplier maybeMoreDataSupplier) {
            return ((ExtendedHandle) delegate()).continueReading(maybeMoreDataSupplier);
        }
    }
}
