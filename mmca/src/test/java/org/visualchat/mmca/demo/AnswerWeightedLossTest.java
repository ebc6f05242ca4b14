package org.visualchat.mmca.demo;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;
import org.visualchat.autograd.GradCheck;
import org.visualchat.autograd.Variable;
import org.visualchat.mmca.model.ShiftedLoss;
import org.visualchat.nn.Linear;
import org.visualchat.tensor.Tensor;

class AnswerWeightedLossTest {
    private static final int I = -100, B = 2, L = 9, V = 5;

    @Test
    void eachAnswerWeighsTheSameWhateverItsLength() {
        // Row 0: answers of 3 and 1 tokens; row 1: answers of 1 and 4 tokens (the last one runs to the end).
        int[][] labels = {{I, I, 2, 4, 1, I, I, 3, I}, {I, 0, I, I, I, 2, 2, 1, 4}};
        float[] values = Tensor.randn(5, 1f, B, L, V).toFloatArray();
        double loss = AnswerWeightedLoss.of(Variable.of(Tensor.of(values, B, L, V)), x -> x, labels).value().toFloatArray()[0];
        // Naive reference: token t's target is labels[b][t], predicted by position t − 1, weighted 1 / answer length.
        int[][] lengths = {{0, 0, 3, 3, 3, 0, 0, 1, 0}, {0, 1, 0, 0, 0, 4, 4, 4, 4}};
        double sum = 0, weights = 0;
        for (int b = 0; b < B; b++) {
            for (int t = 1; t < L; t++) {
                if (labels[b][t] == I) continue;
                int from = (b * L + t - 1) * V;
                double max = Double.NEGATIVE_INFINITY, z = 0;
                for (int v = 0; v < V; v++) max = Math.max(max, values[from + v]);
                for (int v = 0; v < V; v++) z += Math.exp(values[from + v] - max);
                double ce = -(values[from + labels[b][t]] - max - Math.log(z));
                sum += ce / lengths[b][t];
                weights += 1.0 / lengths[b][t];
            }
        }
        assertEquals(4, weights, 1e-9, "four answers");
        assertEquals(sum / weights, loss, 1e-5);
    }

    @Test
    void theHeadOnTheAnswerRowsGivesTheLossOfTheHeadOnEveryRowBitForBit() {
        // The demo's path: hidden states, then the LM head on the predicting rows only; the reference is the shifted
        // loss's whole-batch logits, grouped by answer length exactly as the loss defines it.
        int[][] labels = {{I, I, 2, 4, 1, I, I, 3, I}, {I, 0, I, I, I, 2, 2, 1, 4}};
        Linear head = new Linear(7, V, false, 3);
        Variable hidden = Variable.of(Tensor.randn(8, 1f, B, L, 7));
        Variable logits = head.forward(hidden);
        float whole = 0;
        int[][][] groups = {{{I, I, 2, 4, 1, I, I, I, I}, {I, I, I, I, I, I, I, I, I}}, {{I, I, I, I, I, I, I, 3, I}, {I, 0, I, I, I, I, I, I, I}},
                {{I, I, I, I, I, I, I, I, I}, {I, I, I, I, I, 2, 2, 1, 4}}};
        float[] weights = {1 / 4f, 2 / 4f, 1 / 4f};                      // answers of length 3, 1 (two of them) and 4
        int[] order = {1, 0, 2};                                          // the loss adds the groups by length: 1, 3, 4
        for (int g : order) whole += ShiftedLoss.crossEntropy(logits, groups[g]).value().toFloatArray()[0] * weights[g];
        float gathered = AnswerWeightedLoss.of(hidden, head::forward, labels).value().toFloatArray()[0];
        assertEquals(whole, gathered, 0f);
    }

    @Test
    void theRowsSharesOfABatchAddUpToItsLoss() {
        int[][] labels = {{I, I, 2, 4, 1, I, I, 3, I}, {I, 0, I, I, I, 2, 2, 1, 4}};
        assertEquals(4, AnswerWeightedLoss.answers(labels));
        assertEquals(2, AnswerWeightedLoss.answers(new int[][] {{3, 1, I, 2}}), "a run from position 0 counts from position 1");
        Tensor values = Tensor.randn(5, 1f, B, L, V);
        float whole = AnswerWeightedLoss.of(Variable.of(values), x -> x, labels).value().toFloatArray()[0];
        float shares = 0;
        for (int b = 0; b < B; b++) {
            Tensor row = values.narrow(0, b, 1).contiguous();
            shares += AnswerWeightedLoss.of(Variable.of(row), x -> x, new int[][] {labels[b]}, 4).value().toFloatArray()[0];
        }
        assertEquals(whole, shares, 1e-6f);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> AnswerWeightedLoss.of(Variable.of(values), x -> x, labels, 3));
        assertEquals("4 answers in rows of a batch said to hold 3", e.getMessage());
    }

    @Test
    void gradientMatchesFiniteDifferences() {
        int[][] labels = {{I, 1, 3, I, 4, I, I, I, I}, {I, I, I, 0, 0, 2, I, 1, I}};
        GradCheck.check("answer-weighted loss", in -> AnswerWeightedLoss.of(in[0], x -> x, labels), GradCheck.randn(6, B, L, V));
    }

    @Test
    void aBatchWithoutAnswersIsRefused() {
        int[][] labels = {{I, I, I}};
        assertThrows(IllegalArgumentException.class, () -> AnswerWeightedLoss.of(Variable.of(Tensor.zeros(1, 3, V)), x -> x, labels));
    }
}
