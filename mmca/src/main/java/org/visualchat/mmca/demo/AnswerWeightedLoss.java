package org.visualchat.mmca.demo;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import org.visualchat.autograd.Arith;
import org.visualchat.autograd.Losses;
import org.visualchat.autograd.Lookups;
import org.visualchat.autograd.Variable;
import org.visualchat.autograd.Views;
import org.visualchat.mmca.model.ShiftedLoss;
import org.visualchat.mmca.prompt.EncodedConversation;
import org.visualchat.tensor.Tensor;

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
 *
 * <p>Only the positions that predict an answer token reach the loss (about a tenth of a demo batch), so only
 * their hidden states go through the LM head: the head is a row-wise map, and the logits, their softmax and
 * their gradient are computed for those rows alone, in the order the shifted loss over the whole [B, L, V]
 * would keep them (so the loss has the same bits).
 */
final class AnswerWeightedLoss {
    private AnswerWeightedLoss() {}

    /** Receives one answer: positions [start, end) of a row. */
    private interface AnswerRun {
        void accept(int start, int end);
    }

    /**
     * Each answer of {@code row} in order: a run of labels ≠ −100 from position 1 on (position 0 is never a
     * target: the shifted loss predicts positions 1..L−1).
     */
    private static void forEachAnswer(int[] row, AnswerRun answer) {
        for (int start = 1; start < row.length; ) {
            if (row[start] == EncodedConversation.IGNORE) { start++; continue; }
            int end = start;
            while (end < row.length && row[end] != EncodedConversation.IGNORE) end++;
            answer.accept(start, end);
            start = end;
        }
    }

    /** The number of answers in {@code labels}. */
    static int answers(int[][] labels) {
        int[] count = {0};
        for (int[] row : labels) forEachAnswer(row, (start, end) -> count[0]++);
        return count[0];
    }

    /** hidden [B, L, d] (what {@code head} maps to logits row by row), labels [B][L] (answers are the runs of labels ≠ −100) → scalar loss. */
    static Variable of(Variable hidden, UnaryOperator<Variable> head, int[][] labels) {
        return of(hidden, head, labels, answers(labels));
    }

    /**
     * The share of a batch of {@code batchAnswers} answers that these rows carry: the batch's loss is the sum of
     * this over any split of its rows (each answer weighs 1 / batchAnswers), which is how a batch is sharded
     * across cores.
     */
    static Variable of(Variable hidden, UnaryOperator<Variable> head, int[][] labels, int batchAnswers) {
        int b = hidden.dim(0), l = hidden.dim(1);
        if (labels.length != b || labels[0].length != l) {
            throw new IllegalArgumentException("labels [" + labels.length + ", " + labels[0].length + "] do not match hidden states [" + b + ", " + l + ", " + hidden.dim(2) + "]");
        }
        return ofRows(rows -> Lookups.embedding(Views.reshape(hidden, b * l, hidden.dim(2)), rows), head, labels, batchAnswers);
    }

    /**
     * {@link #of(Variable, UnaryOperator, int[][], int)} with the hidden states given only where the loss reads them:
     * {@code hiddenAt} maps rows of the flattened [B·L] positions (ascending) to their hidden states [rows, d]
     * ({@code LlamaModel.hiddenAt} computes the last layer's feed-forward half for those rows alone).
     */
    static Variable ofRows(Function<Tensor, Variable> hiddenAt, UnaryOperator<Variable> head, int[][] labels, int batchAnswers) {
        int b = labels.length, l = labels[0].length;
        // Per predicting position (b, t − 1), in row order: its target labels[b][t] and the length of the answer holding it.
        List<int[]> kept = new ArrayList<>();
        TreeMap<Integer, Integer> answers = new TreeMap<>();
        for (int r = 0; r < b; r++) {
            int[] row = labels[r];
            int first = r * l;
            forEachAnswer(row, (start, end) -> {
                for (int t = start; t < end; t++) kept.add(new int[] {first + t - 1, row[t], end - start});
                answers.merge(end - start, 1, Integer::sum);
            });
        }
        if (kept.isEmpty()) throw new IllegalArgumentException("a batch without any answer token");
        int here = answers.values().stream().mapToInt(Integer::intValue).sum();
        if (here > batchAnswers) throw new IllegalArgumentException(here + " answers in rows of a batch said to hold " + batchAnswers);
        int[] rows = kept.stream().mapToInt(k -> k[0]).toArray();
        Variable logits = head.apply(hiddenAt.apply(Tensor.ofInts(rows, rows.length)));
        Variable loss = null;
        for (var e : answers.entrySet()) {
            int[] targets = kept.stream().mapToInt(k -> k[2] == e.getKey() ? k[1] : Losses.IGNORE_INDEX).toArray();
            Variable term = Arith.mul(Losses.crossEntropy(logits, Tensor.ofInts(targets, targets.length)), e.getValue() / (float) batchAnswers);
            loss = loss == null ? term : Arith.add(loss, term);
        }
        return loss;
    }
}
