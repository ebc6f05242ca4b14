package org.visualchat.autograd;

import org.junit.jupiter.api.Test;
import org.visualchat.tensor.Tensor;
import org.visualchat.tensor.ops.Rope;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.visualchat.autograd.GradCheck.check;
import static org.visualchat.autograd.GradCheck.randn;
import static org.visualchat.autograd.GradCheck.strided;

class IndexingGradTest {
    @Test
    void embeddingScatterAddsRepeatedIds() {
        Tensor ids = Tensor.ofInts(new int[] {3, 0, 3, 5, 3, 1}, 2, 3);
        check("embedding", v -> Lookups.embedding(v[0], ids), randn(1, 7, 4));
    }

    @Test
    void indexSelectAlongAnInnerDim() {
        Tensor index = Tensor.ofLongs(new long[] {4, 0, 4, 2}, 4);
        check("indexSelect", v -> Lookups.indexSelect(v[0], 1, index), strided(2, 3, 5));
    }

    @Test
    void ropeBothLayoutsSharedAndPerBatchPositions() {
        Tensor shared = Tensor.ofInts(new int[] {0, 1, 2, 7, 100}, 5);
        Tensor perBatch = Tensor.ofLongs(new long[] {3, 4, 5, 6, 7, 0, 0, 1, 2, 3}, 2, 5);
        check("rope half", v -> Positional.rope(v[0], shared, 10000f, Rope.Layout.HALF), randn(3, 2, 3, 5, 8));
        check("rope interleaved", v -> Positional.rope(v[0], perBatch, 500f, Rope.Layout.INTERLEAVED), strided(4, 2, 1, 5, 6));
    }

    @Test
    void crossEntropyWithIgnoredTargets() {
        Tensor targets = Tensor.ofLongs(new long[] {2, -100, 0, 4, -100, 1, 1}, 7);
        check("crossEntropy", v -> Losses.crossEntropy(v[0], targets), strided(5, 7, 5));
    }

    @Test
    void crossEntropyOfAllIgnoredIsZeroWithZeroGradient() {
        Variable logits = Variable.parameter(randn(6, 2, 3));
        Variable loss = Losses.crossEntropy(logits, Tensor.ofInts(new int[] {-100, -100}, 2));
        loss.backward();
        assertEquals(0f, loss.value().toFloatArray()[0]);
        for (float g : logits.grad().toFloatArray()) assertEquals(0f, g);
    }

    @Test
    void patchEmbedAllInputsIncludingCroppedBorder() {
        // 7×9 image with patch 3: the last row of pixels lies outside every patch and gets zero gradient.
        check("patchEmbed", v -> Convolution.patchEmbed(v[0], v[1], v[2], 3), randn(7, 2, 2, 7, 9), randn(8, 4, 2, 3, 3), randn(9, 4));
        check("patchEmbed no bias", v -> Convolution.patchEmbed(v[0], v[1], null, 2), randn(10, 1, 3, 4, 4), strided(11, 2, 3, 2, 2));
    }
}
