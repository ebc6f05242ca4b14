package org.visualchat.nn;

import org.visualchat.autograd.Activations;
import org.visualchat.autograd.Arith;
import org.visualchat.autograd.Variable;

/** LLaMA's gated MLP, down(silu(gate(x)) · up(x)), no biases ({@code mlp.gate_proj/up_proj/down_proj}). */
public final class SwiGluMlp extends Module {
    private final Linear gate;
    private final Linear up;
    private final Linear down;

    public SwiGluMlp(int dim, int hidden, long seed) {
        this.gate = child("gate_proj", new Linear(dim, hidden, false, seed));
        this.up = child("up_proj", new Linear(dim, hidden, false, seed + 1));
        this.down = child("down_proj", new Linear(hidden, dim, false, seed + 2));
    }

    public Variable forward(Variable x) {
        return down.forward(Arith.mul(Activations.silu(gate.forward(x)), up.forward(x)));
    }
}
