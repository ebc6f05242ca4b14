package org.visualchat.nn;

import org.visualchat.autograd.Variable;

/** Two-layer MLP fc2(act(fc1(x))) with biases: the CLIP encoder MLP ({@code mlp.fc1}, {@code mlp.fc2}). */
public final class Mlp extends Module {
    private final Linear fc1;
    private final Linear fc2;
    private final Activation activation;

    public Mlp(int dim, int hidden, Activation activation, long seed) {
        this.fc1 = child("fc1", new Linear(dim, hidden, true, seed));
        this.fc2 = child("fc2", new Linear(hidden, dim, true, seed + 1));
        this.activation = activation;
    }

    public Variable forward(Variable x) {
        return fc2.forward(activation.apply(fc1.forward(x)));
    }
}
