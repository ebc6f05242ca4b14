package org.visualchat.mmca.model;

import org.visualchat.autograd.Variable;

/**
 * Language-model input after images are spliced in (reference §1.7): embeddings [B, L, H], attention
 * codes [B][L] (0 pad, 1 text, 2 image) and labels [B][L] (−100 on images, padding and prompts).
 */
public record SplicedBatch(Variable embeddings, int[][] codes, int[][] labels) {
    public int batch() { return codes.length; }

    public int length() { return codes.length == 0 ? 0 : codes[0].length; }
}
