package org.visualchat.mmca.demo;

import java.util.Arrays;
import java.util.TreeMap;
import org.visualchat.autograd.Arith;
import org.visualchat.autograd.Variable;
import org.visualchat.mmca.model.ShiftedLoss;
import org.visualchat.mmca.prompt.EncodedConversation;

/**
 * The demo language model's pretraining loss: {@link ShiftedLoss}'s next-token cross-entropy, but with every
 * answer weighing the same whatever its length — each of an answer's n target tokens (its words and EOS)
 * weighs 1/n. With the token mean of the reference's loss a description ("a large red circle at the top left
 * and ...", up to 40 tokens) outweighs a one-word answer ("red", "2", "yes") forty times, and the model spends
 * its few hundred steps on descriptions while counting and colour questions stay at chance
 * (mmca/docs/demo.md, Results).
 *
 * <p>Computed as Σ over answer lengths n of (answers of length n / all answers) × (mean cross-entropy over
 * the tokens of those answers), which equals the 1/n-weighted token mean.
 */
final class AnswerWeightedLoss {
    private AnswerWeightedLoss() {}

    /** logits [B, L, V], labels [B][L] (answers are the runs of labels ≠ −100) → scalar loss. */
    static Variable of(Variable logits, int[][] labels) {
        TreeMap<Integer, int[][]> byLength = new TreeMap<>();
        TreeMap<Integer, Integer> answers = new TreeMap<>();
        for (int b = 0; b < labels.length; b++) {
            // Position 0 is never a target (the shifted loss predicts positions 1..L−1).
            for (int start = 1; start < labels[b].length; ) {
                if (labels[b][start] == EncodedConversation.IGNORE) { start++; continue; }
                int end = start;
                while (end < labels[b].length && labels[b][end] != EncodedConversation.IGNORE) end++;
                int n = end - start;
                int[][] kept = byLength.computeIfAbsent(n, k -> ignoredLike(labels));
                System.arraycopy(labels[b], start, kept[b], start, n);
                answers.merge(n, 1, Integer::sum);
                start = end;
            }
        }
        int total = answers.values().stream().mapToInt(Integer::intValue).sum();
        Variable loss = null;
        for (var e : byLength.entrySet()) {
            Variable term = Arith.mul(ShiftedLoss.crossEntropy(logits, e.getValue()), answers.get(e.getKey()) / (float) total);
            loss = loss == null ? term : Arith.add(loss, term);
        }
        if (loss == null) throw new IllegalArgumentException("a batch without any answer token");
        return loss;
    }

    private static int[][] ignoredLike(int[][] labels) {
        int[][] out = new int[labels.length][];
        for (int b = 0; b < labels.length; b++) {
            out[b] = new int[labels[b].length];
            Arrays.fill(out[b], EncodedConversation.IGNORE);
        }
        return out;
    }
}
