package org.visualchat.tensor.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import org.visualchat.tensor.DType;
import org.visualchat.tensor.Storage;
import org.visualchat.tensor.WorkerPool;

import java.lang.foreign.MemorySegment;

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
        WorkerPool.get().parallelFor(rows, MIN_ROWS_PER_CHUNK, (start, end) -> {
            for (int r = start; r < end; r++) {
                long at = Dequantize.byteOffset(w.dtype(), wOffset + r * w.rowStride());
                y.setAtIndex(Storage.F32, yOffset + r * yStride, dot(w.dtype(), w.segment(), at, x, k));
            }
        });
    }

    /**
     * Σ_i row[i]·x[i] for the {@code k}-element row of format {@code type} at byte {@code at}. One method
     * per format, each with its own loop (see {@link Dequantize#row} for why they are not shared).
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
        return a0.add(a1).reduceLanes(VectorOperators.ADD) + tail(DType.F32, s, at, x, i, k);
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
        return a0.add(a1).reduceLanes(VectorOperators.ADD) + tail(DType.BF16, s, at, x, i, k);
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
        return a0.add(a1).reduceLanes(VectorOperators.ADD) + tail(DType.F16, s, at, x, i, k);
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
        return a0.add(a1).reduceLanes(VectorOperators.ADD);
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
        return a0.add(a1).reduceLanes(VectorOperators.ADD);
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
