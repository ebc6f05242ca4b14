package org.visualchat.mmca.model;

import org.visualchat.autograd.Losses;
import org.visualchat.autograd.Variable;
import org.visualchat.autograd.Views;
import org.visualchat.tensor.Tensor;

/**
 * The original's loss (reference §1.8): logits at position t predict the label at t + 1; cross-entropy
 * averaged over every kept (≠ −100) target of the whole batch, so long rows weigh more (a token mean,
 * not a sample mean). A batch without any kept target gives 0 here; the original falls back to the
 * last two positions, whose labels are −100 as well, and gets NaN.
 */
public final class ShiftedLoss {
    private ShiftedLoss() {}

    /** logits [B, L, V], labels [B][L] → scalar loss. */
    public static Variable crossEntropy(Variable logits, int[][] labels) {
        int b = logits.dim(0), l = logits.dim(1), v = logits.dim(2);
        if (labels.length != b || labels[0].length != l) throw new IllegalArgumentException("labels [" + labels.length + ", " + labels[0].length + "] do not match logits [" + b + ", " + l + ", " + v + "]");
        int[] targets = new int[b * (l - 1)];
        for (int r = 0; r < b; r++) System.arraycopy(labels[r], 1, targets, r * (l - 1), l - 1);
        Variable shifted = Views.reshape(Views.contiguous(Views.narrow(logits, 1, 0, l - 1)), b * (l - 1), v);
        return Losses.crossEntropy(shifted, Tensor.ofInts(targets, targets.length));
    }

    /** Targets the loss averages over: labels ≠ −100 at positions 1..L−1 (what tokens/s counts). */
    public static int supervisedTokens(int[][] labels) {
        int n = 0;
        for (int[] row : labels) for (int t = 1; t < row.length; t++) if (row[t] != Losses.IGNORE_INDEX) n++;
        return n;
    }
}
