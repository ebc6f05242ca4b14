package org.visualchat.nn;

import org.visualchat.autograd.Arith;
import org.visualchat.autograd.Variable;
import org.visualchat.tensor.Tensor;

/**
 * Inverted dropout: in training, zero each element with probability p and scale survivors by 1/(1 − p)
 * so the expected activation is unchanged; identity in evaluation mode. Seeded, with a saveable state.
 */
public final class Dropout extends Module implements RandomSource {
    private final float p;
    private final SplitMix64 rng;

    public Dropout(float p, long seed) {
        if (!(p >= 0 && p < 1)) throw new IllegalArgumentException("dropout probability must be in [0, 1), got " + p);
        this.p = p;
        this.rng = new SplitMix64(seed);
    }

    public Variable forward(Variable x) {
        if (!isTraining() || p == 0) return x;
        int n = Math.toIntExact(x.value().numel());
        float[] mask = new float[n];
        float keep = 1 / (1 - p);
        for (int i = 0; i < n; i++) mask[i] = rng.nextDouble() < p ? 0f : keep;
        return Arith.mul(x, Variable.of(Tensor.of(mask, x.shape())));
    }

    @Override
    public long randomState() { return rng.state; }

    @Override
    public void setRandomState(long state) { rng.state = state; }
}
