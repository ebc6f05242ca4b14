package org.visualchat.tensor.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import org.visualchat.tensor.DType;
import org.visualchat.tensor.Storage;
import org.visualchat.tensor.WorkerPool;

import java.lang.foreign.Arena;
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
 * converted in registers, never written back). Rows are split across the {@link WorkerPool}; within a
 * thread's range, the F32, BF16, Q8_0 and Q4_0 loops run rows from far-apart parts of the range in
 * lockstep (see {@link #rowsBf16}): several sequential streams in flight, which one core needs to
 * approach its read bandwidth (one stream reads ~21–33 GB/s on this machine, four ~40: bench/docs).
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
        long first = Dequantize.byteOffset(type, wOffset), rowBytes = Dequantize.byteOffset(type, w.rowStride());
        MethodHandle loop = rowLoop(type);
        onNative(w.segment(), s -> WorkerPool.get().parallelFor(rows, MIN_ROWS_PER_CHUNK, (start, end) -> run(loop, s, first, rowBytes, start, end, x, k, y, yOffset, yStride)));
    }

    /**
     * Rows [from, to) of y = W·x on the calling thread, for callers that split rows themselves: row r of
     * W (format {@code type}, {@code k} elements, whole blocks if quantized) starts at byte
     * {@code firstRowByte + r·rowBytes} of {@code w}; y[r] goes to F32 element {@code yOffset + r·yStride}
     * of {@code y} (a heap segment over a float[] is fine). Same values as {@link #dot} row by row.
     */
    public static void rows(DType type, MemorySegment w, long firstRowByte, long rowBytes, int from, int to, float[] x, int k,
                            MemorySegment y, long yOffset, long yStride) {
        if (type.isQuantized() && k % BLOCK != 0) throw new IllegalArgumentException(type + " weight rows must be whole blocks of 32, got k = " + k);
        MethodHandle loop = rowLoop(type);
        onNative(w, s -> run(loop, s, firstRowByte, rowBytes, from, to, x, k, y, yOffset, yStride));
    }

    /**
     * Runs {@code body} on {@code s} if it is native memory (mapped or off-heap), else on a native copy
     * of it, alive for the call: the kernels read weights only through {@link #exact}, whose address
     * must be real.
     */
    static void onNative(MemorySegment s, java.util.function.Consumer<MemorySegment> body) {
        if (s.isNative()) {
            body.accept(s);
            return;
        }
        try (Arena arena = Arena.ofConfined()) {
            body.accept(arena.allocate(s.byteSize(), 64).copyFrom(s));
        }
    }

    /** {@link Dequantize#exact}: weights are read through a segment whose class C2 knows exactly. */
    static MemorySegment exact(MemorySegment s) {
        return Dequantize.exact(s);
    }

    private static MethodHandle rowLoop(DType type) {
        MethodHandle loop = ROW_LOOPS[type.ordinal()];
        if (loop == null) throw new IllegalArgumentException("matvec weight must be a float or block-quantized type, got " + type);
        return loop;
    }

    private static void run(MethodHandle loop, MemorySegment s, long first, long rowBytes, int from, int to, float[] x, int k,
                            MemorySegment y, long yOffset, long yStride) {
        try {
            loop.invokeExact(s, first, rowBytes, from, to, x, k, y, yOffset, yStride);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException(e); // the row loops throw nothing checked
        }
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

    // Row loops: groups of rows share every activation load (x is read once per group instead of
    // once per row). F32 takes rows i, i + n/4, i + n/2, i + 3n/4 of its n rows together, BF16, Q8_0
    // and Q4_0 rows i and i + n/2, F16 two adjacent rows. Each row of a group is computed with exactly
    // the operations, in exactly the order, of a group of one, so a row's value does not depend on
    // which group it fell in (nor on the thread count). Where n does not divide, the last row stands in
    // for the missing ones (computed twice, the same value stored twice): one kernel per loop, because
    // a loop that inlines both the group kernel and a single-row kernel outgrows C2's inlining node
    // budget (NodeCountInliningCutoff) and its Vector API calls, left out of line, allocate every vector.

    private static void rowsF32(MemorySegment s, long first, long rowBytes, int from, int to, float[] x, int k, MemorySegment y, long yOffset, long yStride) {
        int n = to - from, lag = (n + 3) / 4;
        for (int i = 0; i < lag; i++) {
            int r0 = from + i, r1 = Math.min(r0 + lag, to - 1), r2 = Math.min(r0 + 2 * lag, to - 1), r3 = Math.min(r0 + 3 * lag, to - 1);
            dotF32x4(s, first, rowBytes, x, k, r0, r1, r2, r3, y, yOffset, yStride);
        }
    }

    /**
     * BF16 rows two at a time, row i and row i + n/2 of the range: two sequential streams half the range
     * apart, each row a single pass over its own bytes. One row at a time is a single stream, which one
     * core cannot read at full speed: two far-apart rows measured 1.25–1.35× of it from DRAM and 1.4–1.6×
     * from L2 (5632×2048 and 256×2048, thread CPU time, scripts/MatVecAbCpuTime.java, quiet machine), and
     * TinyLlama-shaped decode 9.0–9.2 → 10.3–10.6 tokens per CPU-second together with whole-range SwiGLU
     * calls (FusedMatVec). Four far-apart rows (eight accumulators) outgrow C2's node budget and box
     * every vector (0.5×). Two ADJACENT rows in lockstep (an older kernel, x split by two permutations
     * per step) ran at two speeds decided by where C2 put its code (15–18 vs 25–30 GB/s,
     * tensor/docs/matmul.md). The activations are split into even and odd elements once per call
     * ({@link #BF16_ACTIVATIONS}).
     *
     * <p>Per row, 2·LANES elements per step read as {@link Dequantize#pairs} (the row through an
     * {@link Dequantize#exact} segment of its own, int offsets, as the quantized loops): even elements ·
     * even activations into one accumulator, odd · odd into another, two independent FMA chains added at
     * the end, then the scalar tail. The loop sits in the row loop itself, not in a method of its own
     * (see {@link #rowsQ4} for what that risks).
     */
    private static void rowsBf16(MemorySegment s, long first, long rowBytes, int from, int to, float[] x, int k, MemorySegment y, long yOffset, long yStride) {
        int half = k / (2 * LANES) * LANES; // elements of x in the vector part, split into even and odd
        float[][] split = BF16_ACTIVATIONS.get();
        if (split[0].length < half) split[0] = new float[half];
        if (split[1].length < half) split[1] = new float[half];
        float[] even = split[0], odd = split[1];
        for (int j = 0; j < half; j += LANES) {
            Dequantize.evenOf(x, 2 * j).intoArray(even, j);
            Dequantize.oddOf(x, 2 * j).intoArray(odd, j);
        }
        int n = to - from, lag = (n + 1) / 2;
        for (int i = 0; i < lag; i++) {
            int r = from + i, q = Math.min(r + lag, to - 1);
            MemorySegment row = Dequantize.exact(s, first + r * rowBytes, 2L * k), far = Dequantize.exact(s, first + q * rowBytes, 2L * k);
            FloatVector a = FloatVector.zero(F), b = a, c = a, d = a;
            for (int j = 0; j < half; j += LANES) {
                IntVector pairs = Dequantize.pairs(row, 4 * j), farPairs = Dequantize.pairs(far, 4 * j);
                FloatVector xe = FloatVector.fromArray(F, even, j), xo = FloatVector.fromArray(F, odd, j);
                a = Dequantize.bf16Even(pairs).fma(xe, a);
                b = Dequantize.bf16Odd(pairs).fma(xo, b);
                c = Dequantize.bf16Even(farPairs).fma(xe, c);
                d = Dequantize.bf16Odd(farPairs).fma(xo, d);
            }
            y.setAtIndex(Storage.F32, yOffset + r * yStride, LaneSum.sum(a.add(b)) + tail(DType.BF16, row, 0, x, 2 * half, k));
            y.setAtIndex(Storage.F32, yOffset + q * yStride, LaneSum.sum(c.add(d)) + tail(DType.BF16, far, 0, x, 2 * half, k));
        }
    }

    private static void rowsF16(MemorySegment s, long first, long rowBytes, int from, int to, float[] x, int k, MemorySegment y, long yOffset, long yStride) {
        for (int r = from; r < to; r += 2) dotF16x2(s, first + r * rowBytes, rowBytes, x, k, Math.min(2, to - r), y, yOffset + r * yStride, yStride);
    }

    private static void rowsQ8(MemorySegment s, long first, long rowBytes, int from, int to, float[] x, int k, MemorySegment y, long yOffset, long yStride) {
        int blocks = k / BLOCK;
        int n = to - from, lag = (n + 1) / 2;
        for (int i = 0; i < lag; i++) {
            int r = from + i, q = Math.min(r + lag, to - 1);
            MemorySegment row = Dequantize.exact(s, first + r * rowBytes, (long) blocks * Q8_BYTES), far = Dequantize.exact(s, first + q * rowBytes, (long) blocks * Q8_BYTES);
            FloatVector a = FloatVector.zero(F), c = a;
            for (int block = 0; block < blocks; block++) {
                int o = block * Q8_BYTES;
                a = q8Block(row, o, x, block * BLOCK).fma(scale(row, o), a);
                c = q8Block(far, o, x, block * BLOCK).fma(scale(far, o), c);
            }
            y.setAtIndex(Storage.F32, yOffset + r * yStride, LaneSum.sum(a));
            y.setAtIndex(Storage.F32, yOffset + q * yStride, LaneSum.sum(c));
        }
    }

    /**
     * Q8_0 and Q4_0 rows two at a time, row i and row i + n/2 of the range (two far-apart streams, as
     * {@link #rowsBf16}), one block of each per step, every block in order into one accumulator per row.
     * Against one row at a time with two blocks in flight: Q8_0 1.37–1.39× from DRAM, 1.3–1.5× from L2,
     * Q4_0 1.08× and 1.14× (compute-bound: the nibble conversion), decode 15.7–16.0 → 19.6–20.0 (Q8_0) and
     * 20.1–20.9 → 22.3–22.4 (Q4_0) tokens per CPU-second (quiet machine). Two blocks of each row per step
     * (four accumulators) box every vector (0.45×); four ADJACENT Q8_0 rows measured 0.6× from DRAM
     * (streams 2176 bytes apart, not page-aligned, seem to defeat the prefetcher).
     *
     * <p>Each row is read through a segment of its own (Q8_0 {@link Dequantize#exact(MemorySegment, long,
     * long)}, Q4_0 {@link Dequantize#unbounded}, the row's bounds checked once there) with int offsets
     * from one int pair counter: C2 compiles that as a counted loop and drops the bounds checks of the
     * activation loads, which it kept for the earlier loop over a long byte offset (1.07–1.17×, thread
     * CPU time, same operations in the same order); with no limit on the Q4_0 row segment it drops
     * those of the weight loads too (1.2× from DRAM, see there why Q8_0 does not). The block loop sits in
     * the row loop itself: in a method of its own, C2 sometimes (about one JVM start in five) compiled
     * that method first, then refused to inline it into the row loop ("already compiled into a big
     * method"), and the kernel allocated ~80 bytes per row and ran 2× slower.
     */
    private static void rowsQ4(MemorySegment s, long first, long rowBytes, int from, int to, float[] x, int k, MemorySegment y, long yOffset, long yStride) {
        int blocks = k / BLOCK;
        int n = to - from, lag = (n + 1) / 2;
        for (int i = 0; i < lag; i++) {
            int r = from + i, q = Math.min(r + lag, to - 1);
            MemorySegment row = Dequantize.unbounded(s, first + r * rowBytes, (long) blocks * Q4_BYTES), far = Dequantize.unbounded(s, first + q * rowBytes, (long) blocks * Q4_BYTES);
            FloatVector a = FloatVector.zero(F), c = a;
            for (int block = 0; block < blocks; block++) {
                int o = block * Q4_BYTES;
                a = q4Block(row, o, x, block * BLOCK).fma(scale(row, o), a);
                c = q4Block(far, o, x, block * BLOCK).fma(scale(far, o), c);
            }
            y.setAtIndex(Storage.F32, yOffset + r * yStride, LaneSum.sum(a));
            y.setAtIndex(Storage.F32, yOffset + q * yStride, LaneSum.sum(c));
        }
    }

    /**
     * Σ_i row[i]·x[i] for the {@code k}-element row of format {@code type} at byte {@code at}. One method
     * per format, each with its own loop (see {@link Dequantize#row} for why they are not shared). For
     * single rows; {@link #multiply} reaches the kernels through {@link #ROW_LOOPS} instead of this switch.
     */
    public static float dot(DType type, MemorySegment s, long at, float[] x, int k) {
        if (!s.isNative()) {
            float[] result = new float[1];
            onNative(s, n -> result[0] = dot(type, n, at, x, k));
            return result[0];
        }
        return switch (type) {
            case F32 -> dotF32(s, at, x, k);
            case F16 -> dotF16(s, at, x, k);
            case BF16, Q8_0, Q4_0 -> {
                float[] out = new float[1];
                run(rowLoop(type), s, at, 0, 0, 1, x, k, MemorySegment.ofArray(out), 0, 1);
                yield out[0];
            }
            default -> throw new IllegalArgumentException("matvec weight must be a float or block-quantized type, got " + type);
        };
    }

    // One accumulator per row: a single FMA chain retires a 64-byte vector every FMA latency (~4
    // cycles), faster than memory delivers it, and a group of four rows runs four chains. The four-row
    // kernels have no unrolling of their own and no accumulator swapping on purpose: unrolled, a
    // four-row method outgrows C2's inlining node budget (NodeCountInliningCutoff), and vectors passed
    // round a loop in swapped phis are not unboxed; either way every vector is then allocated, 5–10×
    // slower (measured).

    private static float dotF32(MemorySegment s, long at, float[] x, int k) {
        s = exact(s);
        FloatVector a = FloatVector.zero(F);
        int i = 0;
        for (; i <= k - LANES; i += LANES) a = Dequantize.f32(s, at + 4L * i).fma(FloatVector.fromArray(F, x, i), a);
        return LaneSum.sum(a) + tail(DType.F32, s, at, x, i, k);
    }

    /**
     * {@link #dotF32} of rows r0–r3 (row r at {@code first + r·rowBytes}), written to y at
     * {@code yOffset + r·yStride}. {@link #rowsF32} passes rows a quarter of its range apart: 1.04–1.08×
     * from DRAM and 1.16× from L2 over four adjacent rows (5632×2048 and 256×2048, thread CPU time).
     */
    private static void dotF32x4(MemorySegment s, long first, long rowBytes, float[] x, int k, int r0, int r1, int r2, int r3, MemorySegment y, long yOffset, long yStride) {
        s = exact(s);
        long at = first + r0 * rowBytes, at1 = first + r1 * rowBytes, at2 = first + r2 * rowBytes, at3 = first + r3 * rowBytes;
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        int i = 0;
        for (; i <= k - LANES; i += LANES) {
            FloatVector xi = FloatVector.fromArray(F, x, i);
            long e = 4L * i;
            a0 = Dequantize.f32(s, at + e).fma(xi, a0);
            a1 = Dequantize.f32(s, at1 + e).fma(xi, a1);
            a2 = Dequantize.f32(s, at2 + e).fma(xi, a2);
            a3 = Dequantize.f32(s, at3 + e).fma(xi, a3);
        }
        float[] l = lanes(a0, a1, a2, a3);
        y.setAtIndex(Storage.F32, yOffset + r0 * yStride, LaneSum.sum(l, 0) + tail(DType.F32, s, at, x, i, k));
        y.setAtIndex(Storage.F32, yOffset + r1 * yStride, LaneSum.sum(l, LANES) + tail(DType.F32, s, at1, x, i, k));
        y.setAtIndex(Storage.F32, yOffset + r2 * yStride, LaneSum.sum(l, 2 * LANES) + tail(DType.F32, s, at2, x, i, k));
        y.setAtIndex(Storage.F32, yOffset + r3 * yStride, LaneSum.sum(l, 3 * LANES) + tail(DType.F32, s, at3, x, i, k));
    }

    /**
     * This thread's x[0], x[2], … and x[1], x[3], … for the BF16 call in progress: the activations that
     * meet the low and high halves of {@link Dequantize#pairs}. The split is done inline in
     * {@link #rowsBf16}: in a method of its own C2 judged the call too rare to inline (once per call,
     * "low call site frequency"), left {@link Dequantize#evenOf} out of line and boxed every vector
     * (~12 KB allocated per call; 128 rows from L2 at 13–49 instead of ~80 GB/s).
     */
    private static final ThreadLocal<float[][]> BF16_ACTIVATIONS = ThreadLocal.withInitial(() -> new float[][] {new float[0], new float[0]});

    private static float dotF16(MemorySegment s, long at, float[] x, int k) {
        s = exact(s);
        FloatVector a = FloatVector.zero(F);
        int i = 0;
        for (; i <= k - LANES; i += LANES) a = Dequantize.f16(s, at + 2L * i).fma(FloatVector.fromArray(F, x, i), a);
        return LaneSum.sum(a) + tail(DType.F16, s, at, x, i, k);
    }

    /**
     * {@link #dotF16} of two adjacent rows: the F16 conversion is four times the Vector API calls of
     * BF16's, and four rows of it outgrow C2's inlining node budget. F16 is compute-bound here (as fast
     * from L2 as from DRAM), so rows half the range apart measured no better (0.94–0.97×).
     */
    private static void dotF16x2(MemorySegment s, long at, long rowBytes, float[] x, int k, int rows, MemorySegment y, long yAt, long yStride) {
        s = exact(s);
        long at1 = at + Math.min(1, rows - 1) * rowBytes;
        FloatVector a0 = FloatVector.zero(F), a1 = a0;
        int i = 0;
        for (; i <= k - LANES; i += LANES) {
            FloatVector xi = FloatVector.fromArray(F, x, i);
            a0 = Dequantize.f16(s, at + 2L * i).fma(xi, a0);
            a1 = Dequantize.f16(s, at1 + 2L * i).fma(xi, a1);
        }
        float[] l = lanes(a0, a1);
        LaneSum.sumTwo(l);
        store(y, yAt, yStride, rows, l[0] + tail(DType.F16, s, at, x, i, k), l[1] + tail(DType.F16, s, at1, x, i, k));
    }

    /** This thread's scratch for four accumulators' lanes. */
    private static final ThreadLocal<float[]> LANE_SCRATCH = ThreadLocal.withInitial(() -> new float[4 * LANES]);

    /**
     * The four accumulators stored side by side, to be finished by {@link LaneSum#sum(float[], int)}:
     * four stores are the cheapest way out of a four-row kernel (see there).
     */
    private static float[] lanes(FloatVector a0, FloatVector a1, FloatVector a2, FloatVector a3) {
        float[] l = LANE_SCRATCH.get();
        a0.intoArray(l, 0);
        a1.intoArray(l, LANES);
        a2.intoArray(l, 2 * LANES);
        a3.intoArray(l, 3 * LANES);
        return l;
    }

    /** {@link #lanes(FloatVector, FloatVector, FloatVector, FloatVector)} of two accumulators. */
    static float[] lanes(FloatVector a0, FloatVector a1) {
        float[] l = LANE_SCRATCH.get();
        a0.intoArray(l, 0);
        a1.intoArray(l, LANES);
        return l;
    }

    /** Writes the first {@code rows} (1–2) of two rows' results to y at {@code yAt + j·yStride}. */
    private static void store(MemorySegment y, long yAt, long yStride, int rows, float v0, float v1) {
        y.setAtIndex(Storage.F32, yAt, v0);
        if (rows > 1) y.setAtIndex(Storage.F32, yAt + yStride, v1);
    }

    /** The last k mod LANES products, one by one. */
    private static float tail(DType type, MemorySegment s, long at, float[] x, int from, int k) {
        float sum = 0;
        for (int i = from; i < k; i++) sum += Dequantize.scalar(type, s, at + (long) i * type.elementBytes()) * x[i];
        return sum;
    }

    // Quantized rows, per block b: p = Σ q·x over the block's 32 values, then acc += d_b·p.

    private static final int Q8_BYTES = 34;
    static final int Q4_BYTES = 18;
    /** With 16 float lanes a block's 32 activations are exactly two vectors, loaded as such. */
    static final boolean BLOCK_IS_TWO_VECTORS = BLOCK == 2 * LANES;

    /** The block scale d broadcast to all lanes. */
    static FloatVector scale(MemorySegment s, long blockByte) {
        return FloatVector.broadcast(F, Dequantize.scale(s, blockByte));
    }

    /** Σ q·x of one Q8_0 block (not yet scaled), x's 32 values read as LANES-wide vectors. */
    private static FloatVector q8Block(MemorySegment s, long p, float[] x, int xi) {
        if (BLOCK_IS_TWO_VECTORS) return q8Block(s, p, FloatVector.fromArray(F, x, xi), FloatVector.fromArray(F, x, xi + LANES));
        FloatVector sum = Dequantize.q8(s, p, 0).mul(FloatVector.fromArray(F, x, xi));
        for (int part = 1; part < BLOCK / LANES; part++) sum = Dequantize.q8(s, p, part).fma(FloatVector.fromArray(F, x, xi + part * LANES), sum);
        return sum;
    }

    /** {@link #q8Block} with the block's activations already loaded (two vectors, see {@link #BLOCK_IS_TWO_VECTORS}). */
    private static FloatVector q8Block(MemorySegment s, long p, FloatVector x0, FloatVector x1) {
        return Dequantize.q8(s, p, 1).fma(x1, Dequantize.q8(s, p, 0).mul(x0));
    }

    /** Σ q·x of one Q4_0 block (not yet scaled): low nibbles are elements 0–15, high nibbles 16–31. */
    private static FloatVector q4Block(MemorySegment s, long p, float[] x, int xi) {
        if (BLOCK_IS_TWO_VECTORS) return q4Block(s, p, FloatVector.fromArray(F, x, xi), FloatVector.fromArray(F, x, xi + 16));
        FloatVector sum = FloatVector.zero(F);
        for (int part = 0; part < 16 / LANES; part++) {
            IntVector packed = Dequantize.q4Packed(s, p, part);
            sum = Dequantize.q4Low(packed).fma(FloatVector.fromArray(F, x, xi + part * LANES), sum);
            sum = Dequantize.q4High(packed).fma(FloatVector.fromArray(F, x, xi + 16 + part * LANES), sum);
        }
        return sum;
    }

    /** {@link #q4Block} with the block's activations already loaded: elements 0–15 and 16–31 (see {@link #BLOCK_IS_TWO_VECTORS}). */
    private static FloatVector q4Block(MemorySegment s, long p, FloatVector lo, FloatVector hi) {
        IntVector packed = Dequantize.q4Packed(s, p, 0);
        return Dequantize.q4High(packed).fma(hi, Dequantize.q4Low(packed).mul(lo));
    }
}
