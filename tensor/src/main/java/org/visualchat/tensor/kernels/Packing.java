package org.visualchat.tensor.kernels;

import jdk.incubator.vector.FloatVector;
import org.visualchat.tensor.DType;
import org.visualchat.tensor.Storage;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

import static org.visualchat.tensor.kernels.Dequantize.F;
import static org.visualchat.tensor.kernels.Dequantize.LANES;
import static org.visualchat.tensor.kernels.Gemm.MR;
import static org.visualchat.tensor.kernels.Gemm.NR;

/**
 * Copies a block of a GEMM operand, whatever its layout and format, into the F32 panel layout the
 * micro-kernel reads. Fast paths cover the layouts that carry the bulk of the work (the contiguous
 * dimension being the one the panel runs along); any other stride pattern is read element by element,
 * which costs O(block) against the O(block · other dimension) multiply-adds that use it.
 */
final class Packing {
    private Packing() {}

    /**
     * Scalar (broadcast) panels: rows × kc of S starting at element {@code base}, stored row after row
     * (row i at {@code i·stride}); rows are padded with zeros to a multiple of MR.
     */
    static void scalarPanels(Operand s, long base, int rows, int kc, int stride, float[] dst) {
        if (s.colStride() == 1) {
            for (int i = 0; i < rows; i++) Dequantize.row(s.dtype(), s.segment(), base + i * s.rowStride(), kc, dst, i * stride);
        } else {
            for (int i = 0; i < rows; i++)
                for (int kk = 0; kk < kc; kk++) dst[i * stride + kk] = s.read(base + i * s.rowStride() + kk * s.colStride());
        }
        Arrays.fill(dst, rows * stride, Gemm.ceilDiv(rows, MR) * MR * stride, 0f);
    }

    /**
     * Vector panels: kc × cols of V starting at element {@code base}, cut into NR-column panels; panel
     * p is at {@code to + p·NR·kc} with row kk at {@code kk·NR}. The last panel is padded with zeros.
     */
    static void vectorPanels(Operand v, long base, int kc, int cols, float[] dst, int to) {
        for (int jr = 0; jr < cols; jr += NR) {
            int width = Math.min(NR, cols - jr), panel = to + jr * kc;
            long first = base + jr * v.colStride();
            if (v.colStride() == 1 && width == NR) {
                for (int kk = 0; kk < kc; kk++) rowOfPanel(v, first + kk * v.rowStride(), dst, panel + kk * NR);
            } else {
                if (width < NR) Arrays.fill(dst, panel, panel + kc * NR, 0f);
                columnsOfPanel(v, first, kc, width, dst, panel);
            }
        }
    }

    private static void rowOfPanel(Operand v, long at, float[] dst, int to) {
        if (v.dtype() == DType.F32) {
            MemorySegment seg = v.segment();
            for (int j = 0; j < NR; j += LANES) FloatVector.fromMemorySegment(F, seg, (at + j) * 4, Dequantize.LE).intoArray(dst, to + j);
        } else {
            Dequantize.row(v.dtype(), v.segment(), at, NR, dst, to);
        }
    }

    /** Per-thread staging of LANES values of each of a panel's NR columns (see {@link #columnsOfPanel}). */
    private static final ThreadLocal<float[]> COLUMNS = ThreadLocal.withInitial(() -> new float[NR * LANES]);

    /** Column by column, so that a k-contiguous V (a transposed activation) is read along memory. */
    private static void columnsOfPanel(Operand v, long first, int kc, int width, float[] dst, int panel) {
        long rs = v.rowStride(), cs = v.colStride();
        if (rs == 1 && v.dtype() == DType.F32 && v.segment().isNative()) {
            // xᵀ of a linear layer: each column is a row of x. LANES values of every column are loaded as
            // whole vectors into a small block, which then becomes LANES contiguous panel rows; writing
            // column by column instead strides over the whole panel (K·NR floats, in L2) and took 7 % of
            // a BF16 prefill (JFR, with bulk copies of each column).
            MemorySegment seg = Dequantize.exact(v.segment());
            float[] block = COLUMNS.get();
            int kk = 0;
            for (; kk + LANES <= kc; kk += LANES) {
                for (int j = 0; j < width; j++) FloatVector.fromMemorySegment(F, seg, (first + j * cs + kk) * 4, Dequantize.LE).intoArray(block, j * LANES);
                for (int q = 0; q < LANES; q++) {
                    int to = panel + (kk + q) * NR;
                    for (int j = 0; j < width; j++) dst[to + j] = block[j * LANES + q];
                }
            }
            for (; kk < kc; kk++)
                for (int j = 0; j < width; j++) dst[panel + kk * NR + j] = seg.getAtIndex(Storage.F32, first + j * cs + kk);
        } else if (v.dtype() == DType.F32) {
            MemorySegment seg = v.segment();
            for (int j = 0; j < width; j++)
                for (int kk = 0; kk < kc; kk++) dst[panel + kk * NR + j] = seg.getAtIndex(Storage.F32, first + j * cs + kk * rs);
        } else {
            for (int j = 0; j < width; j++)
                for (int kk = 0; kk < kc; kk++) dst[panel + kk * NR + j] = v.read(first + j * cs + kk * rs);
        }
    }
}
