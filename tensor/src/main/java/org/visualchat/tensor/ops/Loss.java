package org.visualchat.tensor.ops;

import org.visualchat.tensor.DType;
import org.visualchat.tensor.Shapes;
import org.visualchat.tensor.Storage;
import org.visualchat.tensor.Tensor;

import java.lang.foreign.MemorySegment;

/**
 * Cross-entropy of logits [N, C] against class ids [N]: mean over kept rows of −log softmax(logits)[target],
 * where rows whose target equals {@code ignoreIndex} (−100 by HF convention: prompt and padding tokens)
 * are left out. When every row is ignored the loss is 0 and the gradient 0 (PyTorch gives NaN; a 0 loss
 * keeps a training step with a fully masked micro-batch harmless).
 */
public final class Loss {
    private Loss() {}

    private static final Pointwise.MapRow MUL_SCALAR = Pointwise.mapRow(Pointwise.Map.MUL_SCALAR);

    /** The mean loss as a rank-0 F32 tensor. */
    public static Tensor crossEntropy(Tensor logits, Tensor targets, int ignoreIndex) {
        long[] t = checkedTargets(logits, targets, ignoreIndex);
        int n = logits.dim(0), c = logits.dim(1);
        double[] rowLoss = new double[n];
        Parallel.rows(n, c, (start, end) -> {
            RowReader rows = new RowReader(logits, c, logits.stride(1));
            MemorySegment scratch = VecMath.scratch(4L * c);
            for (int r = start; r < end; r++) {
                if (t[r] == ignoreIndex) continue;
                long at = rows.load(logits.offset() + (long) r * logits.stride(0));
                Softmax.row(rows.segment(), at, scratch, 0, c, true);
                rowLoss[r] = -scratch.getAtIndex(Storage.F32, t[r]);
            }
        });
        double total = 0;
        int kept = 0;
        for (int r = 0; r < n; r++) {
            if (t[r] == ignoreIndex) continue;
            total += rowLoss[r];
            kept++;
        }
        return Tensor.scalar(kept == 0 ? 0f : (float) (total / kept));
    }

    /** d loss / d logits = gradOut·(softmax − onehot(target)) / kept on kept rows, 0 on ignored rows → F32 [N, C]. */
    public static Tensor crossEntropyBackward(Tensor logits, Tensor targets, int ignoreIndex, float gradOut) {
        long[] t = checkedTargets(logits, targets, ignoreIndex);
        int n = logits.dim(0), c = logits.dim(1);
        int kept = 0;
        for (long target : t) if (target != ignoreIndex) kept++;
        float scale = kept == 0 ? 0f : gradOut / kept;
        Tensor out = Tensor.zeros(n, c);
        MemorySegment os = out.storage().segment();
        Parallel.rows(n, c, (start, end) -> {
            RowReader rows = new RowReader(logits, c, logits.stride(1));
            for (int r = start; r < end; r++) {
                if (t[r] == ignoreIndex) continue;
                long at = rows.load(logits.offset() + (long) r * logits.stride(0)), oo = 4L * r * c;
                Softmax.row(rows.segment(), at, os, oo, c, false);
                long hit = (long) r * c + t[r];
                os.setAtIndex(Storage.F32, hit, os.getAtIndex(Storage.F32, hit) - 1f);
                MUL_SCALAR.run(scale, os, oo, os, oo, c);
            }
        });
        return out;
    }

    private static long[] checkedTargets(Tensor logits, Tensor targets, int ignoreIndex) {
        if (logits.rank() != 2) throw new IllegalArgumentException("cross-entropy logits must be [N, C], got " + Shapes.toString(logits.shape()));
        if (targets.dtype() != DType.I32 && targets.dtype() != DType.I64) throw new IllegalArgumentException("cross-entropy targets must be I32 or I64, got " + targets.dtype());
        if (targets.rank() != 1 || targets.dim(0) != logits.dim(0)) {
            throw new IllegalArgumentException("cross-entropy targets must be [" + logits.dim(0) + "] for logits " + Shapes.toString(logits.shape()) + ", got " + Shapes.toString(targets.shape()));
        }
        long[] t = targets.toLongArray();
        for (int r = 0; r < t.length; r++) {
            if (t[r] != ignoreIndex && (t[r] < 0 || t[r] >= logits.dim(1))) {
                throw new IllegalArgumentException("cross-entropy target " + t[r] + " at row " + r + " is out of range for " + logits.dim(1) + " classes (ignore index is " + ignoreIndex + ")");
            }
        }
        return t;
    }
}
