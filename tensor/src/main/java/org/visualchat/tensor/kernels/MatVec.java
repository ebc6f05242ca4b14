package org.visualchat.tensor.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import org.visualchat.tensor.DType;
import org.visualchat.tensor.Storage;
import org.visualchat.tensor.WorkerPool;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

import static org.visualchat.tensor.kernels.Dequantize.BLOCK;
import static org.visualchat.tensor.kernels.Dequantize.F;
import static org.visualchat.tensor.kernels.Dequantize.LANES;

/**
 * y = W·x for a weight W [rows, k] in F32, BF16, F16, Q8_0 or Q4_0 and an F32 vector x: the decode-time
 * product, bound by how fast W streams from memory. Each row is one fused dequantize-dot (the weight is
 * converted in registers, never written back), with four independent accumulators so the FMA latency
 * hides behind the loads; rows are split across the {@link WorkerPool}.
 */
public final class MatVec {
    private MatVec() {}

    /** Rows handed to one worker at a time: big enough that scheduling is noise next to streaming them. */
    private static final int MIN_ROWS_PER_CHUNK = 16;

    /**
     * y[r·yStride] = Σ_k W[r, k]·x[k] for r in [0, rows). W's rows must be contiguous along k (colStride
     * 1); row r starts at element {@code wOffset + r·w.rowStride()}. y is F32 at element {@code yOffset}.
     */
    public static void multiply(Operand w, long wOffset, int rows, int k, float[] x, MemorySegment y, long yOffset, long yStride) {
        if (w.colStride() != 1 && k > 1) throw new IllegalArgumentException("matvec needs weight rows contiguous along k, got column stride " + w.colStride());
        if (w.dtype().isQuantized() && (k % BLOCK != 0 || wOffset % BLOCK != 0 || w.rowStride() % BLOCK != 0)) {
            throw new IllegalArgumentException(w.dtype() + " weight rows must be whole blocks of 32, got k = " + k);
        }
        DType type = w.dtype();
        MethodHandle loop = ROW_LOOPS[type.ordinal()];
        if (loop == null) throw new IllegalArgumentException("matvec weight must be a float or block-quantized type, got " + type);
        MemorySegment s = w.segment();
        long first = Dequantize.byteOffset(type, wOffset), rowBytes = Dequantize.byteOffset(type, w.rowStride());
        WorkerPool.get().parallelFor(rows, MIN_ROWS_PER_CHUNK, (start, end) -> {
            try {
                loop.invokeExact(s, first, rowBytes, start, end, x, k, y, yOffset, yStride);
            } catch (RuntimeException | Error e) {
                throw e;
            } catch (Throwable e) {
                throw new IllegalStateException(e); // the row loops throw nothing checked
            }
        });
    }

    /**
     * The row loops [from, to) of each format, by {@link DType#ordinal()}, called through method handles
     * read from this array: such a call is never inlined, so each loop is compiled on its own with only
     * its own kernel inlined. Reached through a switch or an interface instead, C2 inlines two or more
     * kernels into one method once several formats have run (a bimorphic interface call is inlined
     * too); that overruns its node budget (NodeCountInliningCutoff), the kernels inlined last then call
     * their vector helpers out of line and box every vector: Q4_0 measured at 3–5 GB/s instead of ~10,
     * depending on which formats had run first.
     */
    private static final MethodHandle[] ROW_LOOPS = new MethodHandle[DType.values().length];

    static {
        MethodType rowLoop = MethodType.methodType(void.class, MemorySegment.class, long.class, long.class, int.class, int.class,
                float[].class, int.class, MemorySegment.class, long.class, long.class);
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            ROW_LOOPS[DType.F32.ordinal()] = lookup.findStatic(MatVec.class, "rowsF32", rowLoop);
            ROW_LOOPS[DType.BF16.ordinal()] = lookup.findStatic(MatVec.class, "rowsBf16", rowLoop);
            ROW_LOOPS[DType.F16.ordinal()] = lookup.findStatic(MatVec.class, "rowsF16", rowLoop);
            ROW_LOOPS[DType.Q8_0.ordinal()] = lookup.findStatic(MatVec.class, "rowsQ8", rowLoop);
            ROW_LOOPS[DType.Q4_0.ordinal()] = lookup.findStatic(MatVec.class, "rowsQ4", rowLoop);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private static void rowsF32(MemorySegment s, long first, long rowBytes, int from, int to, float[] x, int k, MemorySegment y, long yOffset, long yStride) {
        for (int r = from; r < to; r++) y.setAtIndex(Storage.F32, yOffset + r * yStride, dotF32(s, first + r * rowBytes, x, k));
    }

    private static void rowsBf16(MemorySegment s, long first, long rowBytes, int from, int to, float[] x, int k, MemorySegment y, long yOffset, long yStride) {
        for (int r = from; r < to; r++) y.setAtIndex(Storage.F32, yOffset + r * yStride, dotBf16(s, first + r * rowBytes, x, k));
    }

    private static void rowsF16(MemorySegment s, long first, long rowBytes, int from, int to, float[] x, int k, MemorySegment y, long yOffset, long yStride) {
        for (int r = from; r < to; r++) y.setAtIndex(Storage.F32, yOffset + r * yStride, dotF16(s, first + r * rowBytes, x, k));
    }

    private static void rowsQ8(MemorySegment s, long first, long rowBytes, int from, int to, float[] x, int k, MemorySegment y, long yOffset, long yStride) {
        for (int r = from; r < to; r++) y.setAtIndex(Storage.F32, yOffset + r * yStride, dotQ8(s, first + r * rowBytes, x, k / BLOCK));
    }

    private static void rowsQ4(MemorySegment s, long first, long rowBytes, int from, int to, float[] x, int k, MemorySegment y, long yOffset, long yStride) {
        for (int r = from; r < to; r++) y.setAtIndex(Storage.F32, yOffset + r * yStride, dotQ4(s, first + r * rowBytes, x, k / BLOCK));
    }

    /**
     * Σ_i row[i]·x[i] for the {@code k}-element row of format {@code type} at byte {@code at}. One method
     * per format, each with its own loop (see {@link Dequantize#row} for why they are not shared). For
     * single rows; {@link #multiply} reaches the kernels through {@link #ROW_LOOPS} instead of this switch.
     */
    public static float dot(DType type, MemorySegment s, long at, float[] x, int k) {
        return switch (type) {
            case F32 -> dotF32(s, at, x, k);
            case BF16 -> dotBf16(s, at, x, k);
            case F16 -> dotF16(s, at, x, k);
            case Q8_0 -> dotQ8(s, at, x, k / BLOCK);
            case Q4_0 -> dotQ4(s, at, x, k / BLOCK);
            default -> throw new IllegalArgumentException("matvec weight must be a float or block-quantized type, got " + type);
        };
    }

    // Two accumulators, two vectors per step: a step streams 2·LANES weights, longer than an FMA's
    // latency takes at memory speed, so more chains would not help a bandwidth-bound loop.

    private static float dotF32(MemorySegment s, long at, float[] x, int k) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0;
        int i = 0;
        for (; i <= k - 2 * LANES; i += 2 * LANES) {
            a0 = Dequantize.f32(s, at + 4L * i).fma(FloatVector.fromArray(F, x, i), a0);
            a1 = Dequantize.f32(s, at + 4L * (i + LANES)).fma(FloatVector.fromArray(F, x, i + LANES), a1);
        }
        if (i <= k - LANES) {
            a0 = Dequantize.f32(s, at + 4L * i).fma(FloatVector.fromArray(F, x, i), a0);
            i += LANES;
        }
        return LaneSum.sum(a0.add(a1)) + tail(DType.F32, s, at, x, i, k);
    }

    private static float dotBf16(MemorySegment s, long at, float[] x, int k) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0;
        int i = 0;
        for (; i <= k - 2 * LANES; i += 2 * LANES) {
            a0 = Dequantize.bf16(s, at + 2L * i).fma(FloatVector.fromArray(F, x, i), a0);
            a1 = Dequantize.bf16(s, at + 2L * (i + LANES)).fma(FloatVector.fromArray(F, x, i + LANES), a1);
        }
        if (i <= k - LANES) {
            a0 = Dequantize.bf16(s, at + 2L * i).fma(FloatVector.fromArray(F, x, i), a0);
            i += LANES;
        }
        return LaneSum.sum(a0.add(a1)) + tail(DType.BF16, s, at, x, i, k);
    }

    private static float dotF16(MemorySegment s, long at, float[] x, int k) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0;
        int i = 0;
        for (; i <= k - 2 * LANES; i += 2 * LANES) {
            a0 = Dequantize.f16(s, at + 2L * i).fma(FloatVector.fromArray(F, x, i), a0);
            a1 = Dequantize.f16(s, at + 2L * (i + LANES)).fma(FloatVector.fromArray(F, x, i + LANES), a1);
        }
        if (i <= k - LANES) {
            a0 = Dequantize.f16(s, at + 2L * i).fma(FloatVector.fromArray(F, x, i), a0);
            i += LANES;
        }
        return LaneSum.sum(a0.add(a1)) + tail(DType.F16, s, at, x, i, k);
    }

    /** The last k mod LANES products, one by one. */
    private static float tail(DType type, MemorySegment s, long at, float[] x, int from, int k) {
        float sum = 0;
        for (int i = from; i < k; i++) sum += Dequantize.scalar(type, s, at + (long) i * type.elementBytes()) * x[i];
        return sum;
    }

    // Quantized rows, per block b: p = Σ q·x over the block's 32 values, then acc += d_b·p. Two blocks
    // in flight, on two accumulators.

    private static float dotQ8(MemorySegment s, long at, float[] x, int blocks) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0;
        int b = 0;
        for (; b + 1 < blocks; b += 2, at += 2 * 34) {
            a0 = q8Block(s, at, x, b * BLOCK).fma(FloatVector.broadcast(F, Dequantize.scale(s, at)), a0);
            a1 = q8Block(s, at + 34, x, b * BLOCK + BLOCK).fma(FloatVector.broadcast(F, Dequantize.scale(s, at + 34)), a1);
        }
        if (b < blocks) a0 = q8Block(s, at, x, b * BLOCK).fma(FloatVector.broadcast(F, Dequantize.scale(s, at)), a0);
        return LaneSum.sum(a0.add(a1));
    }

    private static FloatVector q8Block(MemorySegment s, long p, float[] x, int xi) {
        FloatVector sum = Dequantize.q8(s, p, 0).mul(FloatVector.fromArray(F, x, xi));
        for (int part = 1; part < BLOCK / LANES; part++) sum = Dequantize.q8(s, p, part).fma(FloatVector.fromArray(F, x, xi + part * LANES), sum);
        return sum;
    }

    private static float dotQ4(MemorySegment s, long at, float[] x, int blocks) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0;
        int b = 0;
        for (; b + 1 < blocks; b += 2, at += 2 * 18) {
            a0 = q4Block(s, at, x, b * BLOCK).fma(FloatVector.broadcast(F, Dequantize.scale(s, at)), a0);
            a1 = q4Block(s, at + 18, x, b * BLOCK + BLOCK).fma(FloatVector.broadcast(F, Dequantize.scale(s, at + 18)), a1);
        }
        if (b < blocks) a0 = q4Block(s, at, x, b * BLOCK).fma(FloatVector.broadcast(F, Dequantize.scale(s, at)), a0);
        return LaneSum.sum(a0.add(a1));
    }

    private static FloatVector q4Block(MemorySegment s, long p, float[] x, int xi) {
        FloatVector sum = FloatVector.zero(F);
        for (int part = 0; part < 16 / LANES; part++) {
            IntVector packed = Dequantize.q4Packed(s, p, part);
            sum = Dequantize.q4Low(packed).fma(FloatVector.fromArray(F, x, xi + part * LANES), sum);
            sum = Dequantize.q4High(packed).fma(FloatVector.fromArray(F, x, xi + 16 + part * LANES), sum);
        }
        return sum;
    }
}
