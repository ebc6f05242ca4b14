package org.visualchat.mmca.model;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.visualchat.autograd.Lookups;
import org.visualchat.autograd.Variable;
import org.visualchat.autograd.Views;
import org.visualchat.tensor.Tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class ShiftedLossTest {
    @Test
    void tokenMeanOverShiftedKeptLabelsMatchesANaiveSum() {
        int b = 2, l = 5, v = 7;
        float[] logits = Tensor.randn(3, 1f, b * l * v).toFloatArray();
        int[][] labels = {{-100, 3, 4, -100, 6}, {-100, -100, -100, 1, -100}};
        double sum = 0;
        int n = 0;
        for (int r = 0; r < b; r++) for (int t = 0; t + 1 < l; t++) {
            int target = labels[r][t + 1];
            if (target == -100) continue;
            int at = (r * l + t) * v;
            double max = Double.NEGATIVE_INFINITY, z = 0;
            for (int c = 0; c < v; c++) max = Math.max(max, logits[at + c]);
            for (int c = 0; c < v; c++) z += Math.exp(logits[at + c] - max);
            sum += Math.log(z) + max - logits[at + target];
            n++;
        }
        Variable loss = ShiftedLoss.crossEntropy(Variable.of(Tensor.of(logits, b, l, v)), labels);
        assertEquals(sum / n, loss.value().get(), 1e-5);
        assertEquals(4, ShiftedLoss.supervisedTokens(labels));
    }

    @Test
    void theLossFromThePredictingRowsAloneHasTheBitsOfTheLossOverAllLogits() {
        int b = 2, l = 5, v = 7;
        Tensor logits = Tensor.randn(4, 1f, b, l, v);
        int[][] labels = {{-100, 3, 4, -100, 6}, {-100, -100, -100, 1, -100}};
        Variable all = Variable.parameter(logits), some = Variable.parameter(logits);
        Variable whole = ShiftedLoss.crossEntropy(all, labels);
        int[][] asked = new int[1][];
        Variable rows = ShiftedLoss.crossEntropyAt(r -> {
            asked[0] = Arrays.stream(r.toLongArray()).mapToInt(Math::toIntExact).toArray();
            return Lookups.embedding(Views.reshape(some, b * l, v), r);
        }, labels);
        assertArrayEquals(new int[] {0, 1, 3, 7}, asked[0], "positions t - 1 of the kept labels, row-major");
        assertEquals(whole.value().get(), rows.value().get());
        whole.backward();
        rows.backward();
        assertArrayEquals(all.grad().toFloatArray(), some.grad().toFloatArray());

        Variable none = Variable.parameter(logits);
        Variable empty = ShiftedLoss.crossEntropyAt(r -> Lookups.embedding(Views.reshape(none, b * l, v), r), new int[][] {{-100, -100, -100, -100, -100}});
        assertEquals(0f, empty.value().get());
        empty.backward();
        for (float g : none.grad().toFloatArray()) assertEquals(0f, g);
    }
}
