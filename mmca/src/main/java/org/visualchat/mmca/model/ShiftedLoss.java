package org.visualchat.mmca.model;

import org.visualchat.autograd.Losses;
import org.visualchat.autograd.Variable;
import org.visualchat.autograd.Views;
import org.visualchat.tensor.Tensor;

import java.util.function.Function;

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

    /**
     * The same loss from the logits of the predicting positions only: {@code logitsAt} maps rows of the flattened
     * [B·L] positions (those t − 1 whose label at t is kept, ascending) to their logits [rows, V]. The kept rows are
     * summed in the same order and the ignored ones added nothing, so the loss and its gradient have the bits of
     * {@link #crossEntropy} over all logits. A batch without a kept target gives 0 through one ignored row, so its
     * backward still reaches the parameters, with zero gradients.
     */
    public static Variable crossEntropyAt(Function<Tensor, Variable> logitsAt, int[][] labels) {
        int l = labels[0].length, n = supervisedTokens(labels);
        if (n == 0) return Losses.crossEntropy(logitsAt.apply(Tensor.ofInts(new int[] {0}, 1)), Tensor.ofInts(new int[] {Losses.IGNORE_INDEX}, 1));
        int[] rows = new int[n], targets = new int[n];
        for (int r = 0, i = 0; r < labels.length; r++) {
            for (int t = 1; t < l; t++) {
                if (labels[r][t] == Losses.IGNORE_INDEX) continue;
                rows[i] = r * l + t - 1;
                targets[i++] = labels[r][t];
            }
        }
        return Losses.crossEntropy(logitsAt.apply(Tensor.ofInts(rows, n)), Tensor.ofInts(targets, n));
    }

    /** Targets the loss averages over: labels ≠ −100 at positions 1..L−1 (what tokens/s counts). */
    public static int supervisedTokens(int[][] labels) {
        int n = 0;
        for (int[] row : labels) for (int t = 1; t < row.length; t++) if (row[t] != Losses.IGNORE_INDEX) n++;
        return n;
    }
}
