package org.visualchat.mmca.model;

import org.visualchat.autograd.Variable;
import org.visualchat.nn.MaskedAttentionPolicy;

/**
 * The frozen language model's part of the training loss, run somewhere other than the CPU tape (e.g.
 * {@code OpenClLlamaLoss::loss}: forward and backward on an OpenCL device): the shifted token-mean
 * cross-entropy of spliced embeddings [B, L, d] under an attention policy (MMCA's branch masks), as a
 * node of the host tape whose backward delivers dLoss/dEmbeddings, so the trainable {@code lang_embed}
 * and projection get their gradients on the host as usual.
 */
@FunctionalInterface
public interface LanguageModelLoss {
    Variable loss(Variable embeddings, MaskedAttentionPolicy policy, int[][] labels);
}
