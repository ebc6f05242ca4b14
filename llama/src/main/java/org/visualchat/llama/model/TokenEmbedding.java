package org.visualchat.llama.model;

import org.visualchat.autograd.Lookups;
import org.visualchat.autograd.Variable;
import org.visualchat.nn.Module;
import org.visualchat.tensor.Tensor;
import org.visualchat.tensor.ops.Indexing;

/** {@code embed_tokens}: the [vocab, d] table, in any stored dtype (a quantized GGUF table included). */
public final class TokenEmbedding extends Module {
    private final Variable weight;

    TokenEmbedding(Tensor weight) {
        this.weight = parameter("weight", weight);
    }

    /** Training path: ids of any shape → [...ids, d]. */
    public Variable forward(Tensor ids) {
        return Lookups.embedding(weight, ids);
    }

    /** Inference path: ids → F32 [...ids, d], no tape. */
    public Tensor lookup(Tensor ids) {
        return Indexing.embedding(weight.value(), ids);
    }

    Variable weightVariable() { return weight; }
}
