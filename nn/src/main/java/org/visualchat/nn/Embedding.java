package org.visualchat.nn;

import org.visualchat.autograd.Lookups;
import org.visualchat.autograd.Variable;
import org.visualchat.tensor.Tensor;

/** A lookup table {@code weight} [vocab, dim], initialised N(0, 1) like PyTorch's nn.Embedding. */
public final class Embedding extends Module {
    private final Variable weight;

    public Embedding(int vocab, int dim, long seed) {
        this.weight = parameter("weight", Tensor.randn(seed, 1f, vocab, dim));
    }

    /** ids I32/I64 of any shape → [...ids, dim]. */
    public Variable forward(Tensor ids) {
        return Lookups.embedding(weight, ids);
    }

    public Variable weight() { return weight; }
}
