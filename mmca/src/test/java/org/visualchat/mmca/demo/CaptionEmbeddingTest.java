package org.visualchat.mmca.demo;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;
import org.visualchat.autograd.Reductions;
import org.visualchat.autograd.Variable;
import org.visualchat.llama.model.LlamaConfig;
import org.visualchat.llama.model.LlamaModel;
import org.visualchat.nn.NamePattern;
import org.visualchat.tensor.DType;
import org.visualchat.tensor.Tensor;

class CaptionEmbeddingTest {
    private static final int N = VisualWords.NONE, D = 8;

    @Test
    void aBagIsItsWordsSummedOverRootSizeAndAWordIsItsEmbedding() {
        LlamaModel lm = LlamaModel.random(LlamaConfig.of(D, 16, 1, 2, 2, 12), 3, DType.F32);
        // Positions: word 5 alone; bag {3, 7, 9}; bag {4, 6} in slots 0 and 3.
        int[][] slots = {{5, 3, 4}, {N, 7, N}, {N, 9, N}, {N, N, 6}};
        float[] got = CaptionEmbedding.embedTokens(lm, slots).toFloatArray();
        float[] table = lm.embedTokens(Tensor.ofInts(new int[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, 1, 10)).toFloatArray();
        for (int d = 0; d < D; d++) {
            assertEquals(table[5 * D + d], got[d], 1e-6f);
            assertEquals((table[3 * D + d] + table[7 * D + d] + table[9 * D + d]) / Math.sqrt(3), got[D + d], 1e-5f);
            assertEquals((table[4 * D + d] + table[6 * D + d]) / Math.sqrt(2), got[2 * D + d], 1e-5f);
        }
    }

    @Test
    void eachWordOfABagGetsItsShareOfTheGradientAndAbsentSlotsNone() {
        LlamaModel lm = LlamaModel.random(LlamaConfig.of(D, 16, 1, 2, 2, 12), 4, DType.F32);
        lm.unfreeze(NamePattern.glob("**"));
        int[][][] slots = {{{5, 3}, {N, 7}}, {{3, 3}, {N, N}}};
        Reductions.sum(CaptionEmbedding.embed(lm, slots)).backward();
        Variable table = lm.trainableParameters().get("model.embed_tokens.weight");
        float[] grad = table.grad().toFloatArray();
        float half = (float) (1 / Math.sqrt(2));
        for (int d = 0; d < D; d++) {
            assertEquals(1f, grad[5 * D + d], 1e-6f);
            assertEquals(half + 2, grad[3 * D + d], 1e-5f, "once in a bag of two, twice alone");
            assertEquals(half, grad[7 * D + d], 1e-6f);
            assertEquals(0f, grad[0], "absent slots look up id 0 with weight 0");
        }
    }
}
