package org.visualchat.mmca.model;

import org.visualchat.tensor.Tensor;

import java.util.Arrays;

/**
 * One batch in the original collator's layout (reference §4.1 step 5): each image is a single
 * {@code <image>} id in its row, rows right-padded (pad id = EOS, code 0, label −100).
 *
 * @param ids         [B][M] token ids
 * @param codes       [B][M] 0 pad, otherwise a real token
 * @param labels      [B][M] −100 where no loss is taken
 * @param imageCounts images per row (the original's {@code image_num})
 * @param pixels      F32 [N, 3, S, S] preprocessed images of all rows in order, or null when N = 0
 */
public record ModelInput(int[][] ids, int[][] codes, int[][] labels, int[] imageCounts, Tensor pixels) {
    public ModelInput {
        int b = ids.length;
        if (b == 0) throw new IllegalArgumentException("a batch needs at least one row");
        if (codes.length != b || labels.length != b || imageCounts.length != b) {
            throw new IllegalArgumentException("ids, codes, labels and image counts disagree on the batch size: " + b + ", " + codes.length + ", " + labels.length + ", " + imageCounts.length);
        }
        for (int r = 0; r < b; r++) {
            if (codes[r].length != ids[r].length || labels[r].length != ids[r].length || ids[r].length != ids[0].length) {
                throw new IllegalArgumentException("row " + r + ": ids, codes and labels must all have the padded length " + ids[0].length);
            }
        }
        int images = Arrays.stream(imageCounts).sum();
        if (images > 0 && (pixels == null || pixels.dim(0) != images)) {
            throw new IllegalArgumentException("rows reference " + images + " images but pixels hold " + (pixels == null ? 0 : pixels.dim(0)));
        }
    }

    public int batch() { return ids.length; }

    /** Real (non-pad) tokens before splicing. */
    public int realTokens() {
        int n = 0;
        for (int[] row : codes) for (int c : row) if (c != 0) n++;
        return n;
    }
}
