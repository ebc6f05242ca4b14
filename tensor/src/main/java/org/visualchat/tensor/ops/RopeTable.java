package org.visualchat.tensor.ops;

import org.visualchat.tensor.Storage;

import java.lang.foreign.MemorySegment;
import java.util.concurrent.ConcurrentHashMap;

/**
 * cos and signed sin of the RoPE angles for positions {@code [0, capacity)}, laid out per position as
 * a full head vector in the layout's pair order, so the rotation of element j is
 * {@code out[j] = x[j]·cos[j] + x[partner(j)]·sin[j]}:
 * <ul>
 *   <li>HALF (pairs (i, i+D/2)): cos = (c, c), sin = (−s, +s), partner(j) = (j + D/2) mod D;</li>
 *   <li>INTERLEAVED (pairs (2i, 2i+1)): cos = (c₀, c₀, c₁, c₁, …), sin = (−s₀, +s₀, −s₁, +s₁, …),
 *       partner(j) = j xor 1.</li>
 * </ul>
 * Angles p·theta^(−2i/D) are computed in double and rounded once (PyTorch's HF code forms them in
 * float32, which is off by up to ~2.5e-4 rad at position 4096). Tables are cached per (theta, D,
 * layout) and grown by doubling, because every layer of a model rotates the same positions.
 */
final class RopeTable {
    /** Largest table, in floats per array (16M floats = 64 MiB): positions · D must stay below it. */
    static final long MAX_FLOATS = 1L << 24;

    private record Key(float theta, int headDim, Rope.Layout layout) {}

    private static final ConcurrentHashMap<Key, RopeTable> CACHE = new ConcurrentHashMap<>();

    final int capacity;
    final MemorySegment cos;
    final MemorySegment sin;

    private RopeTable(float theta, int headDim, Rope.Layout layout, int capacity) {
        this.capacity = capacity;
        this.cos = VecMath.scratch(4L * capacity * headDim);
        this.sin = VecMath.scratch(4L * capacity * headDim);
        int half = headDim / 2;
        for (int p = 0; p < capacity; p++) {
            for (int i = 0; i < half; i++) {
                double angle = p * Math.pow(theta, -2.0 * i / headDim);
                float c = (float) Math.cos(angle), s = (float) Math.sin(angle);
                int first = layout == Rope.Layout.HALF ? i : 2 * i;
                int second = layout == Rope.Layout.HALF ? i + half : 2 * i + 1;
                long base = (long) p * headDim;
                cos.setAtIndex(Storage.F32, base + first, c);
                cos.setAtIndex(Storage.F32, base + second, c);
                sin.setAtIndex(Storage.F32, base + first, -s);
                sin.setAtIndex(Storage.F32, base + second, s);
            }
        }
    }

    /** A table covering positions {@code [0, maxPosition]}. */
    static RopeTable get(float theta, int headDim, Rope.Layout layout, long maxPosition) {
        if ((maxPosition + 1) * headDim > MAX_FLOATS) {
            throw new IllegalArgumentException("rope position " + maxPosition + " is too large: head dim " + headDim + " supports positions below " + MAX_FLOATS / headDim);
        }
        Key key = new Key(theta, headDim, layout);
        RopeTable t = CACHE.get(key);
        if (t != null && t.capacity > maxPosition) return t;
        int capacity = (int) Math.min(Math.max(64, Long.highestOneBit(maxPosition) * 2), MAX_FLOATS / headDim);
        RopeTable grown = new RopeTable(theta, headDim, layout, capacity);
        CACHE.merge(key, grown, (old, fresh) -> old.capacity >= fresh.capacity ? old : fresh);
        return grown;
    }
}
