package org.visualchat.tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Raw bytes behind one or more tensors: a {@link MemorySegment} that is either an off-heap allocation
 * (every tensor a kernel creates) or a read-only file mapping (weights); {@link #heap} wraps a Java
 * {@code byte[]} for callers that want one.
 *
 * <p>Tensors are never heap-backed, however small: on JDK 25, C2 did not intrinsify float vector loads
 * from a {@code byte[]} segment, so such rows ran as boxed vectors (a heap object per vector), and a
 * kernel that had seen both kinds of segment boxed its off-heap rows too (issue 6). Heap segments have
 * alignment 1, so every scalar access goes through the {@code *_UNALIGNED} layouts below. All data is
 * little-endian, as safetensors and GGUF store it.
 */
public final class Storage {
    public static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    public static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    public static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    public static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** Whether {@link #uninitialized} poisons its memory: assertions are on (as in every test run). */
    static final boolean POISON = Storage.class.desiredAssertionStatus();

    private final MemorySegment segment;
    private final boolean readOnly;

    private Storage(MemorySegment segment, boolean readOnly) {
        this.segment = segment;
        this.readOnly = readOnly;
    }

    /** Zero-filled off-heap storage of {@code bytes} bytes, 64-byte aligned, freed once unreachable. */
    public static Storage allocate(long bytes) {
        return offHeap(bytes, Arena.ofAuto());
    }

    /**
     * Storage whose contents are unspecified, for an op that writes every element before anyone reads
     * it (saves the zero fill, see {@link NativeMemory}). With assertions on (tests) it is filled with
     * 0xFF bytes instead — NaN as F32/BF16/F16, −1 as integers — so an op that forgets an element fails
     * its tests rather than reading leftovers.
     */
    public static Storage uninitialized(long bytes) {
        Storage s = new Storage(NativeMemory.allocate(Math.max(bytes, 1)).asSlice(0, bytes), false);
        if (POISON) s.segment.fill((byte) 0xFF);
        return s;
    }

    /** Zero-filled heap storage backed by a {@code byte[]}. */
    public static Storage heap(long bytes) {
        if (bytes > Integer.MAX_VALUE - 8) throw new IllegalArgumentException("heap storage is limited to 2 GiB, asked " + bytes + " bytes");
        return new Storage(MemorySegment.ofArray(new byte[(int) bytes]), false);
    }

    /** Zero-filled off-heap storage, 64-byte aligned, living as long as {@code arena}. */
    public static Storage offHeap(long bytes, Arena arena) {
        return new Storage(arena.allocate(Math.max(bytes, 1), 64).asSlice(0, bytes), false);
    }

    /** Wraps an existing segment (for example a slice of a mapped file). */
    public static Storage wrap(MemorySegment segment, boolean readOnly) {
        return new Storage(readOnly ? segment.asReadOnly() : segment, readOnly);
    }

    public MemorySegment segment() { return segment; }

    public long byteSize() { return segment.byteSize(); }

    public boolean isReadOnly() { return readOnly; }
}
