package org.visualchat.parallel;

import java.lang.foreign.MemorySegment;
import org.visualchat.tensor.DType;
import org.visualchat.tensor.HalfFloats;
import org.visualchat.tensor.Storage;

/**
 * Element-wise kernels over little-endian F32/BF16 segments; offsets and counts in elements. BF16 is
 * widened to F32, combined, and rounded to nearest-even once (HalfFloats), so a k-hop ring rounds k times,
 * the same on every rank.
 */
final class Kernels {
    private Kernels() {}

    /** dst[i] = (a[i] op b[i]) / divisor; dst may alias a or b element-for-element. divisor ≠ 1 only for AVG. */
    static void combine(MemorySegment dst, long dstOff, MemorySegment a, long aOff, MemorySegment b, long bOff, long n,
                        DType dt, ReduceOp op, float divisor) {
        if (dt == DType.F32) {
            long d = dstOff * 4, x = aOff * 4, y = bOff * 4;
            switch (op) {
                case SUM, AVG -> {
                    if (divisor == 1f) {
                        for (long i = 0; i < n * 4; i += 4) dst.set(Storage.F32, d + i, a.get(Storage.F32, x + i) + b.get(Storage.F32, y + i));
                    } else {
                        for (long i = 0; i < n * 4; i += 4) dst.set(Storage.F32, d + i, (a.get(Storage.F32, x + i) + b.get(Storage.F32, y + i)) / divisor);
                    }
                }
                case MAX -> {
                    for (long i = 0; i < n * 4; i += 4) dst.set(Storage.F32, d + i, Math.max(a.get(Storage.F32, x + i), b.get(Storage.F32, y + i)));
                }
                case MIN -> {
                    for (long i = 0; i < n * 4; i += 4) dst.set(Storage.F32, d + i, Math.min(a.get(Storage.F32, x + i), b.get(Storage.F32, y + i)));
                }
            }
        } else {
            long d = dstOff * 2, x = aOff * 2, y = bOff * 2;
            for (long i = 0; i < n * 2; i += 2) {
                float u = HalfFloats.bf16ToFloat(a.get(Storage.I16, x + i)), v = HalfFloats.bf16ToFloat(b.get(Storage.I16, y + i));
                float r = switch (op) {
                    case SUM -> u + v;
                    case AVG -> (u + v) / divisor;
                    case MAX -> Math.max(u, v);
                    case MIN -> Math.min(u, v);
                };
                dst.set(Storage.I16, d + i, HalfFloats.floatToBf16(r));
            }
        }
    }

    static void copy(MemorySegment src, long srcOff, MemorySegment dst, long dstOff, long n, DType dt) {
        int size = dt.elementBytes();
        MemorySegment.copy(src, srcOff * size, dst, dstOff * size, n * size);
    }
}
