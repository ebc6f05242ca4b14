package org.visualchat.parallel;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.visualchat.tensor.DType;
import org.visualchat.tensor.HalfFloats;
import org.visualchat.tensor.Storage;

/**
 * Element-wise kernels over little-endian F32/BF16 segments; offsets and counts in elements. BF16 is
 * widened to F32, combined, and rounded to nearest-even once (HalfFloats), so a k-hop ring rounds k times,
 * the same on every rank.
 */
final class Kernels {
    private static final VectorSpecies<Float> F32 = FloatVector.SPECIES_PREFERRED;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    private Kernels() {}

    /** dst[i] = (a[i] op b[i]) / divisor; dst may alias a or b element-for-element. divisor ≠ 1 only for AVG. */
    static void combine(MemorySegment dst, long dstOff, MemorySegment a, long aOff, MemorySegment b, long bOff, long n,
                        DType dt, ReduceOp op, float divisor) {
        if (dt == DType.F32) {
            combineF32(dst, dstOff * 4, a, aOff * 4, b, bOff * 4, n, op, divisor);
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

    /**
     * The F32 case with the Vector API (the rings reduce every received segment on the caller's thread,
     * which competes with the event loops for the cores). Lane-wise IEEE operations give the same bits as
     * the scalar tail.
     */
    private static void combineF32(MemorySegment dst, long d, MemorySegment a, long x, MemorySegment b, long y, long n,
                                   ReduceOp op, float divisor) {
        // One loop per operation: a VectorOperators value that is not a constant keeps C2 from intrinsifying
        // lanewise(), and the fallback was slower than scalar code (seen in a profile).
        long i = 0, bound = F32.loopBound(n), step = F32.length();
        switch (op) {
            case SUM, AVG -> {
                if (divisor == 1f) {
                    for (; i < bound; i += step) load(a, x, i).add(load(b, y, i)).intoMemorySegment(dst, d + 4 * i, LE);
                } else {
                    for (; i < bound; i += step) load(a, x, i).add(load(b, y, i)).div(divisor).intoMemorySegment(dst, d + 4 * i, LE);
                }
            }
            case MAX -> {
                for (; i < bound; i += step) load(a, x, i).max(load(b, y, i)).intoMemorySegment(dst, d + 4 * i, LE);
            }
            case MIN -> {
                for (; i < bound; i += step) load(a, x, i).min(load(b, y, i)).intoMemorySegment(dst, d + 4 * i, LE);
            }
        }
        for (; i < n; i++) {
            float u = a.get(Storage.F32, x + 4 * i), v = b.get(Storage.F32, y + 4 * i);
            float r = switch (op) {
                case SUM, AVG -> u + v;
                case MAX -> Math.max(u, v);
                case MIN -> Math.min(u, v);
            };
            dst.set(Storage.F32, d + 4 * i, divisor != 1f ? r / divisor : r);
        }
    }

    private static FloatVector load(MemorySegment s, long byteOffset, long element) {
        return FloatVector.fromMemorySegment(F32, s, byteOffset + 4 * element, LE);
    }

    /**
     * Copies n elements; a no-op when source and destination are the same memory (an in-place call, such as
     * all-gather with {@code in} = this rank's slice of {@code out}): {@code MemorySegment.copy} would still
     * move every byte onto itself, a full read-and-write pass (perf, p = 2, 64 MiB all-gather).
     */
    static void copy(MemorySegment src, long srcOff, MemorySegment dst, long dstOff, long n, DType dt) {
        int size = dt.elementBytes();
        if (src.address() + srcOff * size == dst.address() + dstOff * size && src.heapBase().equals(dst.heapBase())) return;
        MemorySegment.copy(src, srcOff * size, dst, dstOff * size, n * size);
    }
}
