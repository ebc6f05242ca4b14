package org.visualchat.tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.ref.WeakReference;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Off-heap blocks that are NOT zero-filled, for tensors whose op writes every element. FFM arenas
 * always zero what they allocate, and on a training step that memset was a quarter of the profile of a
 * tiny model (issue 2); C's {@code aligned_alloc} leaves the block as it finds it.
 *
 * <p>Lifetime is exactly that of {@link Arena#ofAuto()}: the block is attached to an automatic arena
 * by {@link MemorySegment#reinterpret(long, Arena, java.util.function.Consumer)}, so every segment
 * derived from it (slices, views' storages, a kernel's local reference) keeps it alive, and {@code free}
 * runs on the cleaner thread only once none is reachable. No use after free is possible through a
 * segment; nothing is recycled by hand.
 *
 * <p>Nothing but a GC frees these blocks (their owners are small heap objects, which do not fill the heap),
 * so a GC is requested once {@link #GC_BUDGET} bytes were allocated here with no collection in between, as a
 * young generation would be collected when full: the resident set stays near the live blocks plus that
 * budget, and the blocks freed are reused while the C library still holds their pages. Any collection resets
 * that count, a young one too: it frees every block whose owner died young, which is nearly every block of a
 * training step. Blocks whose owners were promoted before they were dropped wait for a full collection, so one
 * is requested every {@link #FULL_GC_BUDGET} bytes whatever ran in between.
 *
 * <p>Measured (tensor/docs/ops.md, "Memory"): the first rule, a GC once the outstanding bytes passed the maximum
 * heap size (the JDK's direct-memory default), let a demo training run cycle through 6 GiB of fresh memory,
 * every page faulted in anew; the second, a full GC every 1 GiB allocated however many young ones ran, cost
 * 2.4 ms of a 53 ms step in pauses. A budget per bytes allocated, rather than a ceiling on bytes outstanding,
 * cannot collect after every allocation when more than the ceiling is live. Where the C library cannot be
 * reached (no {@code aligned_alloc}), blocks come zeroed from an automatic arena.
 */
final class NativeMemory {
    private NativeMemory() {}

    static final long ALIGNMENT = 64;
    /** Bytes allocated with no GC in between that request one: 1 GiB, or the maximum heap size where that is smaller. */
    static final long GC_BUDGET = Math.min(1L << 30, Runtime.getRuntime().maxMemory());
    /** Bytes allocated between two requested GCs, however many the JVM ran in between. */
    static final long FULL_GC_BUDGET = 8 * GC_BUDGET;

    private static final MethodHandle ALIGNED_ALLOC, FREE;
    private static final AtomicLong OUTSTANDING = new AtomicLong();
    private static final AtomicLong SINCE_GC = new AtomicLong(), SINCE_REQUESTED_GC = new AtomicLong();
    /** Cleared by the next collection of any kind: its referent is reachable from nothing else. */
    private static volatile WeakReference<Object> gcWitness = new WeakReference<>(new Object());

    static {
        MethodHandle alloc = null, free = null;
        try {
            Linker linker = Linker.nativeLinker();
            var lookup = linker.defaultLookup();
            var a = lookup.find("aligned_alloc");
            var f = lookup.find("free");
            if (a.isPresent() && f.isPresent()) {
                alloc = linker.downcallHandle(a.get(), FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG));
                free = linker.downcallHandle(f.get(), FunctionDescriptor.ofVoid(ValueLayout.ADDRESS));
            }
        } catch (UnsupportedOperationException | IllegalCallerException e) {
            // no native linker on this platform, or native access denied: fall back to zeroed arena memory
        }
        ALIGNED_ALLOC = alloc;
        FREE = free;
    }

    /** {@code bytes} (> 0) of uninitialised memory, 64-byte aligned, freed once unreachable. */
    static MemorySegment allocate(long bytes) {
        if (ALIGNED_ALLOC == null) return Arena.ofAuto().allocate(bytes, ALIGNMENT);
        long size = (bytes + ALIGNMENT - 1) & -ALIGNMENT;              // aligned_alloc wants a multiple of the alignment
        OUTSTANDING.addAndGet(size);
        requestGcIfDue(size);
        MemorySegment raw;
        try {
            raw = (MemorySegment) ALIGNED_ALLOC.invokeExact(ALIGNMENT, size);
        } catch (Throwable t) {
            OUTSTANDING.addAndGet(-size);
            throw new IllegalStateException("aligned_alloc failed", t);
        }
        if (raw.equals(MemorySegment.NULL)) {
            OUTSTANDING.addAndGet(-size);
            throw new OutOfMemoryError("aligned_alloc of " + size + " bytes failed (" + OUTSTANDING.get() + " bytes outstanding)");
        }
        long address = raw.address();
        // The cleanup captures only the address: capturing the segment would keep it reachable forever.
        return raw.reinterpret(bytes, Arena.ofAuto(), ignored -> release(address, size));
    }

    /** Counts {@code bytes} allocated and requests a GC when a budget is spent, so the cleaner frees unreachable blocks. */
    private static void requestGcIfDue(long bytes) {
        if (gcWitness.refersTo(null)) {
            gcWitness = new WeakReference<>(new Object());
            SINCE_GC.set(0);
        }
        long since = SINCE_GC.addAndGet(bytes), sinceRequested = SINCE_REQUESTED_GC.addAndGet(bytes);
        if ((since > GC_BUDGET || sinceRequested > FULL_GC_BUDGET) && SINCE_REQUESTED_GC.compareAndSet(sinceRequested, 0)) {
            SINCE_GC.set(0);
            System.gc();
        }
    }

    /** Bytes allocated here and not yet freed (tests watch it fall back after a GC). */
    static long outstanding() {
        return OUTSTANDING.get();
    }

    private static void release(long address, long size) {
        try {
            FREE.invokeExact(MemorySegment.ofAddress(address));
        } catch (Throwable t) {
            throw new IllegalStateException("free failed", t);
        }
        OUTSTANDING.addAndGet(-size);
    }
}
