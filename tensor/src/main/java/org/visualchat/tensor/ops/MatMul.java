package org.visualchat.tensor.ops;

import org.visualchat.tensor.DType;
import org.visualchat.tensor.Shapes;
import org.visualchat.tensor.Tensor;
import org.visualchat.tensor.kernels.Dequantize;
import org.visualchat.tensor.kernels.Gemm;
import org.visualchat.tensor.kernels.MatVec;
import org.visualchat.tensor.kernels.Operand;

import java.util.Arrays;

/**
 * Matrix products. {@code matmul} follows NumPy/PyTorch semantics: A [..., M, K] · B [..., K, N] with
 * broadcast batch dimensions; any strides are accepted, so {@code matmul(a, b.transpose(-2, -1))} is
 * A·Bᵀ without materialising Bᵀ. {@code linear} is the weight product of a layer, x · Wᵀ with W stored
 * [N, K] in any weight dtype (F32, BF16, F16, Q8_0, Q4_0); a quantized W is dequantized panel by panel
 * inside the GEMM (prefill) or inside the dot product (a single row: decode), never as a whole.
 *
 * <p>The {@code out} variants write into a caller-owned contiguous F32 tensor of the result shape (it
 * must not overlap the inputs), so a decode loop can run without allocating.
 *
 * <pre>{@code
 * Tensor scores = MatMul.matmul(q, k.transpose(-2, -1));   // [B, H, S, D]·[B, H, D, S] → [B, H, S, S]
 * Tensor y = MatMul.linear(x, wQ8);                         // x [S, 2048], W Q8_0 [5632, 2048] → [S, 5632]
 * MatMul.linear(xRow, wQ8, yRow);                           // decode step, no allocation
 * }</pre>
 */
public final class MatMul {
    private MatMul() {}

    /** The row of activations a matrix-vector product reads, staged as floats (one per thread, grown once). */
    private static final ThreadLocal<float[][]> VECTOR = ThreadLocal.withInitial(() -> new float[1][0]);

    /** A [..., M, K] · B [..., K, N] → F32 [..., M, N]. */
    public static Tensor matmul(Tensor a, Tensor b) {
        return matmul(a, b, null);
    }

    /** A [..., M, K] · B [..., K, N] into {@code out} (contiguous F32 [..., M, N]; null allocates); returns out. */
    public static Tensor matmul(Tensor a, Tensor b, Tensor out) {
        if (a.rank() < 2 || b.rank() < 2) throw new IllegalArgumentException("matmul needs rank >= 2, got " + Arrays.toString(a.shape()) + " and " + Arrays.toString(b.shape()));
        int m = a.dim(-2), k = a.dim(-1), n = b.dim(-1);
        if (b.dim(-2) != k) throw new IllegalArgumentException("matmul inner dimensions differ: " + Arrays.toString(a.shape()) + " · " + Arrays.toString(b.shape()));
        int[] batch = Shapes.broadcast(Arrays.copyOf(a.shape(), a.rank() - 2), Arrays.copyOf(b.shape(), b.rank() - 2));
        out = result(out, withMatrix(batch, m, n));
        // Quantized tensors have no strided views; as a plain matmul operand (not a linear weight) they
        // are rare enough to be converted whole.
        Tensor ae = plain(a).expand(withMatrix(batch, m, k)), be = plain(b).expand(withMatrix(batch, k, n));
        multiply(Operand.of(ae), batchOffsets(ae), Operand.of(be), batchOffsets(be), out, batchOffsets(out), m, n, k);
        return out;
    }

    /** x [..., K] · Wᵀ for W [N, K] of any weight dtype → F32 [..., N]. */
    public static Tensor linear(Tensor x, Tensor w) {
        return linear(x, w, null);
    }

    /** x [..., K] · Wᵀ into {@code out} (contiguous F32 [..., N]; null allocates); returns out. */
    public static Tensor linear(Tensor x, Tensor w, Tensor out) {
        if (w.rank() != 2) throw new IllegalArgumentException("linear weight must be [out, in], got " + Arrays.toString(w.shape()));
        if (x.rank() < 1 || x.dim(-1) != w.dim(1)) {
            throw new IllegalArgumentException("linear input " + Arrays.toString(x.shape()) + " does not end in the weight's in-features " + w.dim(1) + " (weight " + w.dtype() + Arrays.toString(w.shape()) + ")");
        }
        if (w.stride(1) != 1) throw new IllegalArgumentException("linear weight rows must be contiguous, got strides " + Arrays.toString(w.strides()));
        int k = w.dim(1), n = w.dim(0);
        int[] shape = x.shape();
        shape[shape.length - 1] = n;
        out = result(out, shape);
        Tensor x2 = plain(x.rank() == 2 ? x : x.reshape(-1, k));
        Tensor y2 = out.reshape(-1, n);
        multiply(Operand.of(x2), new long[] {x2.offset()}, Operand.of(w).transposed(), new long[] {w.offset()},
                y2, new long[] {y2.offset()}, x2.dim(0), n, k);
        return out;
    }

    /** One C = A·B per batch offset: a matrix-vector kernel when one side is a single row or column. */
    private static void multiply(Operand a, long[] aOff, Operand b, long[] bOff, Tensor c, long[] cOff, int m, int n, int k) {
        Operand co = Operand.of(c);
        if (m == 1 && (b.rowStride() == 1 || k == 1)) {
            // c[0, :] = x·B = Bᵀ·x: B's columns are the weight rows.
            for (int p = 0; p < cOff.length; p++) {
                float[] x = stage(a, aOff[p], a.colStride(), k);
                MatVec.multiply(b.transposed(), bOff[p], n, k, x, co.segment(), cOff[p], co.colStride());
            }
        } else if (n == 1 && (a.colStride() == 1 || k == 1) && !b.dtype().isQuantized()) {
            for (int p = 0; p < cOff.length; p++) {
                float[] x = stage(b, bOff[p], b.rowStride(), k);
                MatVec.multiply(a, aOff[p], m, k, x, co.segment(), cOff[p], co.rowStride());
            }
        } else {
            Gemm.multiply(a, aOff, b, bOff, co, cOff, m, n, k);
        }
    }

    /** The k values at {@code at, at + stride, ...} of {@code v} as floats, in this thread's staging array. */
    private static float[] stage(Operand v, long at, long stride, int k) {
        float[][] holder = VECTOR.get();
        if (holder[0].length < k) holder[0] = new float[Math.max(k, 2 * holder[0].length)];
        float[] x = holder[0];
        if (stride == 1 || k == 1) {
            Dequantize.row(v.dtype(), v.segment(), at, k, x, 0);
        } else {
            for (int i = 0; i < k; i++) x[i] = v.read(at + i * stride);
        }
        return x;
    }

    private static Tensor plain(Tensor t) {
        return t.dtype().isQuantized() ? t.to(DType.F32) : t;
    }

    private static Tensor result(Tensor out, int[] shape) {
        if (out == null) return Tensor.empty(shape);
        if (out.dtype() != DType.F32 || !Arrays.equals(out.shape(), shape) || !out.isContiguous() || out.storage().isReadOnly()) {
            throw new IllegalArgumentException("out must be a writable contiguous F32 tensor of shape " + Arrays.toString(shape)
                    + ", got " + out.dtype() + Arrays.toString(out.shape()) + (out.isContiguous() ? "" : " (not contiguous)"));
        }
        return out;
    }

    private static int[] withMatrix(int[] batch, int rows, int cols) {
        int[] s = Arrays.copyOf(batch, batch.length + 2);
        s[batch.length] = rows;
        s[batch.length + 1] = cols;
        return s;
    }

    /** Element offset of each matrix of {@code t}, batch indices in row-major order. */
    private static long[] batchOffsets(Tensor t) {
        int batchRank = t.rank() - 2;
        int[] shape = t.shape(), strides = t.strides(), idx = new int[Math.max(batchRank, 0)];
        long[] offsets = new long[Math.toIntExact(Shapes.numel(Arrays.copyOf(shape, Math.max(batchRank, 0))))];
        for (int p = 0; p < offsets.length; p++) {
            long off = t.offset();
            for (int d = 0; d < batchRank; d++) off += (long) idx[d] * strides[d];
            offsets[p] = off;
            for (int d = batchRank - 1; d >= 0 && ++idx[d] == shape[d]; d--) idx[d] = 0;
        }
        return offsets;
    }
}
