package org.visualchat.mmca.model;

import org.visualchat.autograd.Lookups;
import org.visualchat.autograd.Variable;
import org.visualchat.nn.Module;
import org.visualchat.tensor.DType;
import org.visualchat.tensor.Tensor;

/**
 * {@code lang_embed}: the trainable F32 copy of the decoder's token table (reference §1.5, the original
 * deep-copies the {@code nn.Embedding} with V rows). Every input token goes through it in training;
 * the decoder's own table stays frozen and unused there.
 */
public final class LanguageEmbedding extends Module {
    private final Variable weight;

    /** A trainable copy of {@code table} [V, H] (any float dtype; converted to F32). */
    public LanguageEmbedding(Tensor table) {
        this.weight = parameter("weight", table.dtype() == DType.F32 ? table.copy() : table.to(DType.F32));
    }

    public Variable weight() { return weight; }

    public Variable forward(Tensor ids) {
        return Lookups.embedding(weight, ids);
    }
}
