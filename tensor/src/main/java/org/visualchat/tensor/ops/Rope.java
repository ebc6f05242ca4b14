package org.visualchat.tensor.ops;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShuffle;
import org.visualchat.tensor.DType;
import org.visualchat.tensor.Shapes;
import org.visualchat.tensor.Tensor;

import java.lang.foreign.MemorySegment;

import static org.visualchat.tensor.ops.VecMath.L;
import static org.visualchat.tensor.ops.VecMath.load;
import static org.visualchat.tensor.ops.VecMath.store;

/**
 * Rotary position embedding (Su et al., RoFormer): each pair of a head vector is rotated by the angle
 * p·theta^(−2i/D) for pair i at position p. The two pairings in use (formats.md §1.3):
 * HF's rotate_half pairs (i, i + D/2); Meta / GGUF pair neighbours (2i, 2i + 1).
 *
 * <pre>{@code
 * Tensor q = Rope.rope(q, Tensor.ofInts(new int[]{0, 1, 2, 3}, 4), 10000f, Rope.Layout.HALF);  // q [B, H, 4, D]
 * }</pre>
 */
public final class Rope {
    private Rope() {}

    public enum Layout {
        /** HF rotate_half: pairs (i, i + D/2). */
        HALF,
        /** Meta / llama.cpp: pairs (2i, 2i + 1). */
        INTERLEAVED
    }

    private static final VectorShuffle<Float> SWAP_PAIRS = VectorShuffle.fromOp(VecMath.S, i -> i ^ 1);

    /**
     * Rotates x [..., S, D] (D even) by the positions: I32/I64 [S] shared by all rows, or [B, S] with
     * B = x.dim(0). Returns a new contiguous F32 tensor.
     */
    public static Tensor rope(Tensor x, Tensor positions, float theta, Layout layout) {
        return rotate(x, positions, theta, layout, 1f);
    }

    /** The backward of {@link #rope}: rotation by the negated angles (the transpose of a rotation). */
    public static Tensor ropeBackward(Tensor grad, Tensor positions, float theta, Layout layout) {
        return rotate(grad, positions, theta, layout, -1f);
    }

    private static Tensor rotate(Tensor x, Tensor positions, float theta, Layout layout, float sign) {
        int[] shape = x.shape();
        if (x.rank() < 2) throw new IllegalArgumentException("rope input must be [..., seq, headDim], got " + Shapes.toString(shape));
        int d = x.dim(-1), seq = x.dim(-2);
        if (d % 2 != 0) throw new IllegalArgumentException("rope head dim must be even, got " + d);
        long[] pos = readPositions(positions, x);
        boolean perBatch = positions.rank() == 2;
        long maxPos = 0;
        for (long p : pos) {
            if (p < 0) throw new IllegalArgumentException("rope position " + p + " is negative");
            maxPos = Math.max(maxPos, p);
        }
        RopeTable table = RopeTable.get(theta, d, layout, maxPos);
        Tensor out = Tensor.empty(shape);
        MemorySegment os = out.storage().segment();
        int rowsPerBatch = x.dim(0) == 0 ? 1 : (int) (x.numel() / d / x.dim(0));
        RowLoop.run(shape, new Tensor[] {x}, (r, c) -> {
            int s = r % seq;
            long p = perBatch ? pos[(r / rowsPerBatch) * seq + s] : pos[s];
            long to = 4L * p * d, oo = 4L * r * d;
            if (layout == Layout.HALF) rotateHalf(c.segment(0), c.offset(0), table, to, sign, os, oo, d);
            else rotateInterleaved(c.segment(0), c.offset(0), table, to, sign, os, oo, d);
        });
        return out;
    }

    private static long[] readPositions(Tensor positions, Tensor x) {
        if (positions.dtype() != DType.I32 && positions.dtype() != DType.I64) {
            throw new IllegalArgumentException("rope positions must be I32 or I64, got " + positions.dtype());
        }
        int seq = x.dim(-2);
        boolean shared = positions.rank() == 1 && positions.dim(0) == seq;
        boolean perBatch = positions.rank() == 2 && x.rank() >= 3 && positions.dim(0) == x.dim(0) && positions.dim(1) == seq;
        if (!shared && !perBatch) {
            throw new IllegalArgumentException("rope positions must be [" + seq + "] or [" + (x.rank() >= 3 ? x.dim(0) : "B") + ", " + seq + "] for input " + Shapes.toString(x.shape()) + ", got " + Shapes.toString(positions.shape()));
        }
        return positions.toLongArray();
    }

    /**
     * HALF_SWAPS[h]: lane j ← lane (j + h) mod 2h for j < 2h, other lanes in place: the partners of a head vector of
     * 2h ≤ L values held in one vector.
     */
    @SuppressWarnings("unchecked")
    private static final VectorShuffle<Float>[] HALF_SWAPS = new VectorShuffle[L / 2 + 1];

    static {
        for (int h = 1; h <= L / 2; h++) {
            int half = h;
            HALF_SWAPS[h] = VectorShuffle.fromOp(VecMath.S, j -> j < 2 * half ? (j + half) % (2 * half) : j);
        }
    }

    /**
     * out[j] = x[j]·cos[j] + x[j ± D/2]·sin[j], both halves per step. A head vector that fits one vector (D ≤ L:
     * the demo's D = 16 on 512-bit lanes) is loaded once and its halves swapped in a register, where the general loop
     * would load and store each half under a lane mask: the same products and sums, so the same bits.
     */
    static void rotateHalf(MemorySegment xs, long xo, RopeTable t, long to, float sign, MemorySegment os, long oo, int d) {
        int h = d / 2;
        if (d <= L) {
            FloatVector x = load(xs, xo, 0, d);
            store(x.rearrange(HALF_SWAPS[h]).fma(load(t.sin, to, 0, d).mul(sign), x.mul(load(t.cos, to, 0, d))), os, oo, 0, d);
            return;
        }
        long second = 4L * h;
        for (int i = 0; i < h; i += L) {
            FloatVector x1 = load(xs, xo, i, h), x2 = load(xs, xo + second, i, h);
            FloatVector s1 = load(t.sin, to, i, h).mul(sign), s2 = load(t.sin, to + second, i, h).mul(sign);
            store(x2.fma(s1, x1.mul(load(t.cos, to, i, h))), os, oo, i, h);
            store(x1.fma(s2, x2.mul(load(t.cos, to + second, i, h))), os, oo + second, i, h);
        }
    }

    /** out[j] = x[j]·cos[j] + x[j xor 1]·sin[j]. */
    private static void rotateInterleaved(MemorySegment xs, long xo, RopeTable t, long to, float sign, MemorySegment os, long oo, int d) {
        for (int i = 0; i < d; i += L) {
            FloatVector x = load(xs, xo, i, d);
            FloatVector partner = x.rearrange(SWAP_PAIRS);     // pairs never straddle a vector: L and i are even
            store(partner.fma(load(t.sin, to, i, d).mul(sign), x.mul(load(t.cos, to, i, d))), os, oo, i, d);
        }
    }
}
