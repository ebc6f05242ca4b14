package org.visualchat.parallel.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.buffer.UnpooledDirectByteBuf;
import java.nio.ByteBuffer;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Recycled direct buffers for frame payloads, each {@link #capacity()} bytes (one segment). Profiling the
 * ring all-reduce showed a quarter of all CPU samples zero-filling fresh native memory: Netty's pooled
 * allocator does not cache buffers above 32 KiB per thread, so every 1 MiB segment came from an arena
 * chunk that was freed when it emptied and re-allocated (and zeroed) for the next one. Here a released
 * payload goes back to a free list instead; at most {@code retained} buffers are kept, the rest are left
 * to the garbage collector. The free list is a stack: the buffer released last is taken first, so the few
 * segments a ring keeps in flight stay in cache. As a queue it cycled through all retained buffers (32 MiB),
 * and perf showed the kernel's socket copies into and out of those cold frames costing 1.7× per byte what
 * the raw-socket ring's copies through one hot buffer cost.
 */
final class FramePool {
    private final int capacity;
    private final int retained;
    private final ConcurrentLinkedDeque<ByteBuffer> free = new ConcurrentLinkedDeque<>();
    private final AtomicInteger freeCount = new AtomicInteger();

    FramePool(int capacity, int retained) {
        this.capacity = capacity;
        this.retained = retained;
    }

    int capacity() { return capacity; }

    /** A buffer with room for {@code bytes} (≤ capacity), empty (writer index 0); release it when done. */
    ByteBuf take(int bytes) {
        if (bytes > capacity) throw new IllegalArgumentException("payload of " + bytes + " bytes exceeds the segment size " + capacity);
        ByteBuffer b = free.pollFirst();
        if (b == null) {
            b = ByteBuffer.allocateDirect(capacity);
        } else {
            freeCount.decrementAndGet();
        }
        return new Recycled(b.clear().limit(bytes));
    }

    private void recycle(ByteBuffer b) {
        if (freeCount.incrementAndGet() <= retained) {
            free.addFirst(b);
        } else {
            freeCount.decrementAndGet();
        }
    }

    /** A Netty buffer over a pooled ByteBuffer that returns it on its final release. */
    private final class Recycled extends UnpooledDirectByteBuf {
        private final ByteBuffer memory;

        Recycled(ByteBuffer memory) {
            super(UnpooledByteBufAllocator.DEFAULT, memory, memory.limit());
            this.memory = memory;
            writerIndex(0);
        }

        @Override
        protected void deallocate() {
            super.deallocate();
            recycle(memory);
        }
    }
}
