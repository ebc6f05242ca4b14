package org.visualchat.tensor.kernels;

import jdk.incubator.vector.FloatVector;
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

    /** Σ_i row[i]·x[i] for the {@code k}-element row of format {@code type} at byte {@code at}. */
    public static float dot(DType type, MemorySegment s, long at, float[] x, int k) {
        return switch (type) {
            case F32, BF16, F16 -> dotPlain(type, s, at, x, k);
            case Q8_0, Q4_0 -> dotQuantized(type, s, at, x, k);
            default -> throw new IllegalArgumentException("matvec weight must be a float or block-quantized type, got " + type);
        };
    }

    private static float dotPlain(DType type, MemorySegment s, long at, float[] x, int k) {
        int bytes = type.elementBytes();
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        int i = 0;
        for (; i <= k - 4 * LANES; i += 4 * LANES) {
            long p = at + (long) i * bytes;
            a0 = Dequantize.lanes(type, s, p).fma(FloatVector.fromArray(F, x, i), a0);
            a1 = Dequantize.lanes(type, s, p + (long) LANES * bytes).fma(FloatVector.fromArray(F, x, i + LANES), a1);
            a2 = Dequantize.lanes(type, s, p + 2L * LANES * bytes).fma(FloatVector.fromArray(F, x, i + 2 * LANES), a2);
            a3 = Dequantize.lanes(type, s, p + 3L * LANES * bytes).fma(FloatVector.fromArray(F, x, i + 3 * LANES), a3);
        }
        for (; i <= k - LANES; i += LANES) a0 = Dequantize.lanes(type, s, at + (long) i * bytes).fma(FloatVector.fromArray(F, x, i), a0);
        float sum = a0.add(a1).add(a2.add(a3)).reduceLanes(VectorOperators.ADD);
        for (; i < k; i++) {
            float wi = switch (type) {
                case F32 -> s.get(Storage.F32, at + (long) i * 4);
                case BF16 -> Float.intBitsToFloat(s.get(Storage.I16, at + (long) i * 2) << 16);
                default -> Float.float16ToFloat(s.get(Storage.I16, at + (long) i * 2));
            };
            sum += wi * x[i];
        }
        return sum;
    }

    /** Per block: p = Σ q·x over the block's lanes, then acc += d·p, two blocks in flight. */
    private static float dotQuantized(DType type, MemorySegment s, long at, float[] x, int k) {
        boolean q8 = type == DType.Q8_0;
        int stride = type.blockBytes(), blocks = k / BLOCK, b = 0;
        FloatVector a0 = FloatVector.zero(F), a1 = a0;
        for (; b + 1 < blocks; b += 2) {
            long p = at + (long) b * stride;
            a0 = block(q8, s, p, x, b * BLOCK).fma(FloatVector.broadcast(F, Dequantize.scale(s, p)), a0);
            a1 = block(q8, s, p + stride, x, b * BLOCK + BLOCK).fma(FloatVector.broadcast(F, Dequantize.scale(s, p + stride)), a1);
        }
        if (b < blocks) {
            long p = at + (long) b * stride;
            a0 = block(q8, s, p, x, b * BLOCK).fma(FloatVector.broadcast(F, Dequantize.scale(s, p)), a0);
        }
        return a0.add(a1).reduceLanes(VectorOperators.ADD);
    }

    private static FloatVector block(boolean q8, MemorySegment s, long p, float[] x, int xi) {
        FloatVector sum = (q8 ? Dequantize.q8(s, p, 0) : Dequantize.q4(s, p, 0)).mul(FloatVector.fromArray(F, x, xi));
        for (int part = 1; part < BLOCK / LANES; part++) {
            FloatVector q = q8 ? Dequantize.q8(s, p, part) : Dequantize.q4(s, p, part);
            sum = q.fma(FloatVector.fromArray(F, x, xi + part * LANES), sum);
        }
        return sum;
    }
}
