package org.visualchat.mmca.demo;

import org.visualchat.autograd.Arith;
import org.visualchat.autograd.NoGrad;
import org.visualchat.autograd.Variable;
import org.visualchat.llama.model.LlamaModel;
import org.visualchat.tensor.Tensor;

/**
 * The language model's input embedding for rows in which a position may hold a bag of words (a caption
 * token, {@link VisualWords}) instead of one token: the bag's word embeddings summed and divided by
 * √(bag size), so a bag of independent N(0, 1) embeddings keeps a single embedding's scale; a one-word
 * position is its plain embedding.
 */
final class CaptionEmbedding {
    private CaptionEmbedding() {}

    /**
     * {@code slots[b][k][l]}: the id of word {@code k} at row {@code b}, position {@code l}, or
     * {@link VisualWords#NONE}; slot 0 is always set. Returns [B, L, hidden] on the tape.
     */
    static Variable embed(LlamaModel lm, int[][][] slots) {
        int b = slots.length, k = slots[0].length, l = slots[0][0].length;
        float[] bagSize = new float[b * l];
        for (int r = 0; r < b; r++) {
            for (int s = 0; s < k; s++) for (int p = 0; p < l; p++) if (slots[r][s][p] != VisualWords.NONE) bagSize[r * l + p]++;
        }
        Variable sum = null;
        for (int s = 0; s < k; s++) {
            int[] ids = new int[b * l];
            float[] weight = new float[b * l];
            for (int r = 0; r < b; r++) {
                for (int p = 0; p < l; p++) {
                    int id = slots[r][s][p];
                    ids[r * l + p] = id == VisualWords.NONE ? 0 : id;
                    weight[r * l + p] = id == VisualWords.NONE ? 0 : (float) (1 / Math.sqrt(bagSize[r * l + p]));
                }
            }
            Variable term = Arith.mul(lm.embed(Tensor.ofInts(ids, b, l)), Variable.of(Tensor.of(weight, b, l, 1)));
            sum = sum == null ? term : Arith.add(sum, term);
        }
        return sum;
    }

    /** {@link #embed} of one row {@code slots[k][l]} off the tape: [1, L, hidden], for inference. */
    static Tensor embedTokens(LlamaModel lm, int[][] slots) {
        try (NoGrad ignored = NoGrad.enter()) {
            return embed(lm, new int[][][] {slots}).value();
        }
    }
}
