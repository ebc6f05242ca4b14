package org.visualchat.tensor.kernels;

import jdk.incubator.vector.FloatVector;
import org.visualchat.tensor.Storage;
import org.visualchat.tensor.WorkerPool;

import java.lang.foreign.MemorySegment;

import static org.visualchat.tensor.kernels.Dequantize.F;
import static org.visualchat.tensor.kernels.Dequantize.LANES;
import static org.visualchat.tensor.kernels.Dequantize.LE;

/**
 * Single-precision GEMM C = A·B (Goto/BLIS blocking): a K-slice of one operand is packed into panels
 * that stay in L1 ("vector" panels, NR columns wide, read as whole vectors), the other into row panels
 * that stay in L2 ("scalar" panels, MR rows, each value broadcast), and an MR×NR register tile of C is
 * accumulated by a {@link #microKernel} that does MR·NR/LANES FMAs per two vector loads.
 *
 * <p>Packing is where layouts are absorbed: a transposed or strided operand, a BF16/F16 one, or a
 * Q8_0/Q4_0 weight is converted into the same F32 panels, so every case runs the same micro-kernel.
 * Which operand gets which role is chosen so that the big operand is packed by cheap contiguous
 * copies: for C = X·Wᵀ with W stored [N, K] (a linear layer), Cᵀ = W·Xᵀ is computed instead, W's rows
 * becoming the broadcast panels (dequantized row by row) and the small X the vector panels. Not for a
 * small float weight (see {@link #swapped}).
 *
 * <p>Work is split across the {@link WorkerPool} by batch and then by output rows or columns (along
 * the larger operand, so the operand each thread packs redundantly is the small one). Each thread
 * packs into its own buffers, allocated once per thread. The K loop runs in the same order whatever the
 * split, so results do not depend on the thread count.
 */
public final class Gemm {
    private Gemm() {}

    /** Register tile: MR rows (broadcast values) × NR columns (two vectors); 24 accumulators. */
    static final int MR = 12;
    static final int NR = 2 * LANES;
    /**
     * K slice per micro-kernel call. 256 keeps a KC×NR vector panel (32 KiB at 512 bits) in L1 (48 KiB
     * on Zen 5). With a transposed output (a linear layer, staged: see {@link #block}) the slice is
     * longer, the panel then streaming from L2, which sustains 2 vector loads per 24 FMAs easily: for
     * x [128, 2048|5632]·Wᵀ, F32 and BF16, 1024 measured 183–204 GFLOP/s, 512 183–197, 256 156–187
     * (thread CPU time, one thread, alternating runs at load 20).
     */
    static final int KC = 256;
    static final int KC_TRANSPOSED_OUTPUT = 1024;
    /** A block of scalar panels (256 KiB) stays in L2 while the vector panels pass by. */
    private static final int SCALAR_BLOCK_FLOATS = 1 << 16;
    /**
     * Scalar-panel rows are kc + 16 floats apart: with kc = 1024 a 4 KiB row pitch would put all MR
     * rows the micro-kernel streams in one L1 set (64 sets × 64 B), more rows than the set has ways.
     */
    private static final int ROW_PADDING = 16;
    /**
     * Vector panels are packed for the whole K range at once (the small operand: activations, or B of
     * a square GEMM), at most this many floats (8 MiB); wider operands are done in column chunks.
     */
    private static final int VECTOR_BLOCK_FLOATS = 1 << 21;
    /** At most this many floats (4 MiB) of a transposed C are staged per thread (see {@link #block}). */
    private static final int STAGED_BLOCK_FLOATS = 1 << 20;
    /** A float weight of at most this many elements (2 MiB, this machine's L2) is small, see {@link #swapped}. */
    private static final long SMALL_WEIGHT_FLOATS = 1 << 19;
    /** Below this many multiply-adds a call is not worth waking the pool for. */
    private static final long PARALLEL_THRESHOLD = 1L << 18;

    /** Per-thread packing buffers, grown once to the largest block this thread has packed. */
    private static final class Workspace {
        final float[] scalarPanels = new float[SCALAR_BLOCK_FLOATS];
        float[] vectorPanels = new float[0];
        float[] transposedBlock = new float[0];
        final float[] tile = new float[MR * NR];
        float[] outputRow = new float[0];
        /** Vector panels packed once by all threads together for a call split by rows (see {@link #multiply}). */
        float[] sharedPanels = new float[0];

        float[] vectorPanels(int floats) {
            if (vectorPanels.length < floats) vectorPanels = new float[floats];
            return vectorPanels;
        }

        float[] transposedBlock(int floats) {
            if (transposedBlock.length < floats) transposedBlock = new float[floats];
            return transposedBlock;
        }

        float[] sharedPanels(int floats) {
            if (sharedPanels.length < floats) sharedPanels = new float[floats];
            return sharedPanels;
        }

        float[] outputRow(int floats) {
            if (outputRow.length < floats) outputRow = new float[floats];
            return outputRow;
        }
    }

    private static final ThreadLocal<Workspace> WORKSPACE = ThreadLocal.withInitial(Workspace::new);

    /**
     * For each batch p: C_p = A_p·B_p with A_p [m, k] at element {@code aOffsets[p]}, B_p [k, n] at
     * {@code bOffsets[p]}, C_p [m, n] (F32, written, not accumulated) at {@code cOffsets[p]}.
     * Quantized operands must be contiguous along k.
     */
    public static void multiply(Operand a, long[] aOffsets, Operand b, long[] bOffsets, Operand c, long[] cOffsets, int m, int n, int k) {
        boolean swap = swapped(b, n, k);
        Operand s = swap ? b.transposed() : a, v = swap ? a.transposed() : b, out = swap ? c.transposed() : c;
        long[] sOffsets = swap ? bOffsets : aOffsets, vOffsets = swap ? aOffsets : bOffsets;
        int rows = swap ? n : m, cols = swap ? m : n;
        if (v.dtype().isQuantized() || s.dtype().isQuantized() && s.colStride() != 1) {
            throw new IllegalArgumentException("a block-quantized matmul operand must be a weight stored contiguous along k");
        }
        int batches = cOffsets.length, threads = WorkerPool.get().threads();
        boolean splitRows = rows >= cols;
        int units = splitRows ? ceilDiv(rows, MR) : ceilDiv(cols, NR);
        boolean small = (long) rows * cols * k * batches < PARALLEL_THRESHOLD;
        int splits = batches >= threads || small ? 1 : Math.min(threads, units);
        // Split by rows, every thread needs all of V's panels: packed once, by all threads together, into
        // the calling thread's workspace, instead of by each thread in full (with x [256, 2048] on two
        // threads each thread packed xᵀ whole, for half the multiply-adds).
        float[] shared = splits > 1 && batches == 1 && splitRows && cols <= colsPerPack(out, k) ? packShared(v, vOffsets[0], k, cols) : null;
        WorkerPool.get().parallelForChunks(batches * splits, 1, (first, end) -> {
            for (int t = first; t < end; t++) {
                int p = t / splits, part = t % splits;
                int lo = ceilDiv(units * part, splits), hi = ceilDiv(units * (part + 1), splits);
                int r0 = 0, r1 = rows, c0 = 0, c1 = cols;
                if (splitRows) { r0 = lo * MR; r1 = Math.min(rows, hi * MR); }
                else { c0 = lo * NR; c1 = Math.min(cols, hi * NR); }
                if (r0 < r1 && c0 < c1) block(s, sOffsets[p], v, vOffsets[p], shared, out, cOffsets[p], r0, r1, c0, c1, k);
            }
        });
    }

    /**
     * Whether C = A·B runs as Cᵀ = Bᵀ·Aᵀ: when B is stored k-contiguous (a weight [N, K]) its rows then pack
     * by plain copies, and the transposed C is staged and written once, after the last K slice. A quantized
     * B must be (its blocks run along k). A small float weight whose K fits one slice is not swapped: then
     * packing it transposed costs little, and writing C's rows directly saves the staging, which dominated
     * at the demo's sizes: x·Wᵀ one thread, unswapped against swapped, [442, 64]·[64, 64]ᵀ 45 against 74–98
     * µs, ·[172, 64]ᵀ 124–127 against 166–208, [442, 172]·[64, 172]ᵀ 110 against 160–177, ·[641, 64]ᵀ 420–427
     * against 587–592, [4, 64]·[2048, 64]ᵀ 84 against 117; but [64, 256]·[32000, 256]ᵀ 23.1 against 15.7
     * ms and [64, 2048]·[2048, 2048]ᵀ 10.4 against 6.8 ms. Either way each element of C is one FMA chain
     * over K in order, so with K in one slice the choice leaves every bit of C unchanged.
     */
    private static boolean swapped(Operand b, int n, int k) {
        if (b.dtype().isQuantized()) return true;
        boolean weightLayout = b.colStride() != 1 && b.rowStride() == 1;
        return weightLayout && (k > KC || (long) n * k > SMALL_WEIGHT_FLOATS);
    }

    /** All cols columns of V packed into the calling thread's shared panels, panel ranges spread over the pool. */
    private static float[] packShared(Operand v, long vBase, int depth, int cols) {
        int panels = ceilDiv(cols, NR);
        float[] shared = WORKSPACE.get().sharedPanels(panels * NR * depth);
        WorkerPool.get().parallelFor(panels, 1, (p0, p1) -> Packing.vectorPanels(v, vBase + (long) p0 * NR * v.colStride(), depth,
                Math.min(cols, p1 * NR) - p0 * NR, shared, p0 * NR * depth));
        return shared;
    }

    /** K slice for C: longer when C is written transposed (staged), see {@link #KC}. */
    private static int kcMax(Operand c) {
        return c.colStride() != 1 ? KC_TRANSPOSED_OUTPUT : KC;
    }

    /** How many columns of V one packing covers (the block's column chunk). */
    private static int colsPerPack(Operand c, int depth) {
        int mcMax = Math.max(MR, SCALAR_BLOCK_FLOATS / (kcMax(c) + ROW_PADDING) / MR * MR);
        int ncMax = Math.max(NR, VECTOR_BLOCK_FLOATS / depth / NR * NR);
        return c.colStride() != 1 ? Math.min(ncMax, Math.max(NR, STAGED_BLOCK_FLOATS / mcMax / NR * NR)) : ncMax;
    }

    /**
     * The rows [r0, r1) × columns [c0, c1) of C = S·V, on the calling thread. {@code packed}: all of V's
     * panels already packed (then [c0, c1) is every column and fits one packing), or null.
     */
    private static void block(Operand s, long sBase, Operand v, long vBase, float[] packed, Operand c, long cBase, int r0, int r1, int c0, int c1, int depth) {
        Workspace ws = WORKSPACE.get();
        if (depth == 0) {
            java.util.Arrays.fill(ws.tile, 0f);
            for (int i = r0; i < r1; i += MR)
                for (int j = c0; j < c1; j += NR) store(ws.tile, c, cBase + i * c.rowStride() + j * c.colStride(), Math.min(MR, r1 - i), Math.min(NR, c1 - j), false);
            return;
        }
        // A transposed C (the swapped x·Wᵀ orientation) is staged: tiles are summed into a block of Cᵀ in
        // a per-thread array and the block is written once, after the last K slice, row of C by row of C.
        // Storing each tile straight into a transposed C is element by element with a bounds check each,
        // and once per K slice: it measured 15 % of a BF16 prefill (JFR), the micro-kernel 56 %.
        boolean staged = c.colStride() != 1;
        int kcMax = kcMax(c), stride = kcMax + ROW_PADDING;
        int mcMax = Math.max(MR, SCALAR_BLOCK_FLOATS / stride / MR * MR), ncMax = colsPerPack(c, depth);
        for (int jc = c0; jc < c1; jc += ncMax) {
            int nc = Math.min(ncMax, c1 - jc), pitch = ceilDiv(nc, NR) * NR;
            // Panel jr holds all of K: its slice for K offset pc starts at jr·depth + pc·NR.
            float[] vp = packed;
            if (vp == null) {
                vp = ws.vectorPanels(pitch * depth);
                Packing.vectorPanels(v, vBase + jc * v.colStride(), depth, nc, vp, 0);
            }
            for (int ic = r0; ic < r1; ic += mcMax) {
                int mc = Math.min(mcMax, r1 - ic);
                float[] ct = staged ? ws.transposedBlock(ceilDiv(mc, MR) * MR * pitch) : null;
                for (int pc = 0; pc < depth; pc += kcMax) {
                    int kc = Math.min(kcMax, depth - pc);
                    Packing.scalarPanels(s, sBase + ic * s.rowStride() + pc * s.colStride(), mc, kc, stride, ws.scalarPanels);
                    for (int jr = 0; jr < nc; jr += NR) {
                        for (int ir = 0; ir < mc; ir += MR) {
                            microKernel(ws.scalarPanels, ir * stride, stride, kc, vp, jr * depth + pc * NR, ws.tile);
                            if (staged) {
                                addTile(ws.tile, ct, ir * pitch + jr, pitch, pc > 0);
                            } else {
                                long at = cBase + (ic + ir) * c.rowStride() + (jc + jr) * c.colStride();
                                store(ws.tile, c, at, Math.min(MR, mc - ir), Math.min(NR, nc - jr), pc > 0);
                            }
                        }
                    }
                }
                if (staged) storeTransposed(ct, pitch, c, cBase + ic * c.rowStride() + jc * c.colStride(), mc, nc, ws);
            }
        }
    }

    /**
     * tile[i][j] = Σ_kk s[i·stride + kk]·v[kk·NR + j] for an MR×NR tile: per kk, two vector loads of V and
     * MR broadcasts of S feed 2·MR = 24 independent FMA chains (more than FMA latency × 2 pipes, and 24
     * accumulators + 2 operands + 1 broadcast fit the 32 vector registers). 12×32 measured ~30% faster
     * than 8×32 here: fewer loads per FMA.
     */
    private static void microKernel(float[] s, int sOff, int stride, int kc, float[] v, int vOff, float[] tile) {
        FloatVector c00 = FloatVector.zero(F), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
        FloatVector c40 = c00, c41 = c00, c50 = c00, c51 = c00, c60 = c00, c61 = c00, c70 = c00, c71 = c00;
        FloatVector c80 = c00, c81 = c00, c90 = c00, c91 = c00, ca0 = c00, ca1 = c00, cb0 = c00, cb1 = c00;
        int s0 = sOff, s1 = s0 + stride, s2 = s1 + stride, s3 = s2 + stride, s4 = s3 + stride, s5 = s4 + stride;
        int s6 = s5 + stride, s7 = s6 + stride, s8 = s7 + stride, s9 = s8 + stride, sa = s9 + stride, sb = sa + stride;
        for (int kk = 0; kk < kc; kk++) {
            int vi = vOff + kk * NR;
            FloatVector b0 = FloatVector.fromArray(F, v, vi), b1 = FloatVector.fromArray(F, v, vi + LANES);
            FloatVector a = FloatVector.broadcast(F, s[s0 + kk]);
            c00 = a.fma(b0, c00); c01 = a.fma(b1, c01);
            a = FloatVector.broadcast(F, s[s1 + kk]);
            c10 = a.fma(b0, c10); c11 = a.fma(b1, c11);
            a = FloatVector.broadcast(F, s[s2 + kk]);
            c20 = a.fma(b0, c20); c21 = a.fma(b1, c21);
            a = FloatVector.broadcast(F, s[s3 + kk]);
            c30 = a.fma(b0, c30); c31 = a.fma(b1, c31);
            a = FloatVector.broadcast(F, s[s4 + kk]);
            c40 = a.fma(b0, c40); c41 = a.fma(b1, c41);
            a = FloatVector.broadcast(F, s[s5 + kk]);
            c50 = a.fma(b0, c50); c51 = a.fma(b1, c51);
            a = FloatVector.broadcast(F, s[s6 + kk]);
            c60 = a.fma(b0, c60); c61 = a.fma(b1, c61);
            a = FloatVector.broadcast(F, s[s7 + kk]);
            c70 = a.fma(b0, c70); c71 = a.fma(b1, c71);
            a = FloatVector.broadcast(F, s[s8 + kk]);
            c80 = a.fma(b0, c80); c81 = a.fma(b1, c81);
            a = FloatVector.broadcast(F, s[s9 + kk]);
            c90 = a.fma(b0, c90); c91 = a.fma(b1, c91);
            a = FloatVector.broadcast(F, s[sa + kk]);
            ca0 = a.fma(b0, ca0); ca1 = a.fma(b1, ca1);
            a = FloatVector.broadcast(F, s[sb + kk]);
            cb0 = a.fma(b0, cb0); cb1 = a.fma(b1, cb1);
        }
        c00.intoArray(tile, 0); c01.intoArray(tile, LANES);
        c10.intoArray(tile, NR); c11.intoArray(tile, NR + LANES);
        c20.intoArray(tile, 2 * NR); c21.intoArray(tile, 2 * NR + LANES);
        c30.intoArray(tile, 3 * NR); c31.intoArray(tile, 3 * NR + LANES);
        c40.intoArray(tile, 4 * NR); c41.intoArray(tile, 4 * NR + LANES);
        c50.intoArray(tile, 5 * NR); c51.intoArray(tile, 5 * NR + LANES);
        c60.intoArray(tile, 6 * NR); c61.intoArray(tile, 6 * NR + LANES);
        c70.intoArray(tile, 7 * NR); c71.intoArray(tile, 7 * NR + LANES);
        c80.intoArray(tile, 8 * NR); c81.intoArray(tile, 8 * NR + LANES);
        c90.intoArray(tile, 9 * NR); c91.intoArray(tile, 9 * NR + LANES);
        ca0.intoArray(tile, 10 * NR); ca1.intoArray(tile, 10 * NR + LANES);
        cb0.intoArray(tile, 11 * NR); cb1.intoArray(tile, 11 * NR + LANES);
    }

    /** Writes (or adds, for K slices after the first) the valid rows × cols of a tile into C at element {@code at}. */
    private static void store(float[] tile, Operand c, long at, int rows, int cols, boolean accumulate) {
        MemorySegment seg = c.segment();
        long rs = c.rowStride(), cs = c.colStride();
        if (cs == 1 && cols == NR) {
            for (int i = 0; i < rows; i++) {
                long byteAt = (at + i * rs) * 4;
                FloatVector t0 = FloatVector.fromArray(F, tile, i * NR), t1 = FloatVector.fromArray(F, tile, i * NR + LANES);
                if (accumulate) {
                    t0 = t0.add(FloatVector.fromMemorySegment(F, seg, byteAt, LE));
                    t1 = t1.add(FloatVector.fromMemorySegment(F, seg, byteAt + LANES * 4L, LE));
                }
                t0.intoMemorySegment(seg, byteAt, LE);
                t1.intoMemorySegment(seg, byteAt + LANES * 4L, LE);
            }
            return;
        }
        // Transposed output (the swapped orientation) and edge tiles, element by element; column by
        // column, so that with a transposed C (rs == 1) the writes run along memory. A vector gather
        // per column looked cheaper but C2 does not always intrinsify it, and then it allocates.
        for (int j = 0; j < cols; j++) {
            for (int i = 0; i < rows; i++) {
                long idx = at + i * rs + j * cs;
                float value = tile[i * NR + j];
                seg.setAtIndex(Storage.F32, idx, accumulate ? value + seg.getAtIndex(Storage.F32, idx) : value);
            }
        }
    }

    /** Writes (or adds, for K slices after the first) a whole tile into the staged block ct at {@code at}, rows {@code pitch} apart. */
    private static void addTile(float[] tile, float[] ct, int at, int pitch, boolean accumulate) {
        for (int i = 0; i < MR; i++) {
            int to = at + i * pitch;
            FloatVector t0 = FloatVector.fromArray(F, tile, i * NR), t1 = FloatVector.fromArray(F, tile, i * NR + LANES);
            if (accumulate) {
                t0 = t0.add(FloatVector.fromArray(F, ct, to));
                t1 = t1.add(FloatVector.fromArray(F, ct, to + LANES));
            }
            t0.intoArray(ct, to);
            t1.intoArray(ct, to + LANES);
        }
    }

    /**
     * Writes the staged rows × cols block ct (row i at {@code i·pitch}) into C at element {@code at}, where
     * ct[i][j] is C's element (i, j). C's column j of the block is contiguous when C's row stride is 1
     * (C is a transposed view): it is gathered into one array and copied in bulk.
     */
    private static void storeTransposed(float[] ct, int pitch, Operand c, long at, int rows, int cols, Workspace ws) {
        MemorySegment seg = c.segment();
        long rs = c.rowStride(), cs = c.colStride();
        if (rs != 1) {
            for (int i = 0; i < rows; i++)
                for (int j = 0; j < cols; j++) seg.setAtIndex(Storage.F32, at + i * rs + j * cs, ct[i * pitch + j]);
            return;
        }
        float[] line = ws.outputRow(rows);
        for (int j = 0; j < cols; j++) {
            for (int i = 0; i < rows; i++) line[i] = ct[i * pitch + j];
            MemorySegment.copy(line, 0, seg, Storage.F32, (at + j * cs) * 4, rows);
        }
    }

    static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }
}
