package org.visualchat.nn;

import org.visualchat.autograd.Recompute;
import org.visualchat.autograd.Variable;

import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * Activation checkpointing for one block (the reference's {@code --gradient_checkpointing}): the block
 * runs without keeping activations and is recomputed during backward. Random draws inside the block
 * (dropout) are replayed: generator states are captured before the first run and restored for the
 * recomputation, then put back to where the first run left them.
 *
 * <pre>{@code
 * Variable h = Checkpointing.run(layer, x, in -> layer.forward(in, positions));
 * }</pre>
 */
public final class Checkpointing {
    private Checkpointing() {}

    public static Variable run(Module block, Variable input, UnaryOperator<Variable> body) {
        List<RandomSource> sources = new ArrayList<>(block.randomSources().values());
        long[] before = states(sources);
        long[][] after = new long[1][];
        boolean[] firstRun = {true};
        List<Variable> trainable = new ArrayList<>(block.trainableParameters().values());
        return Recompute.checkpoint(in -> {
            if (firstRun[0]) {
                firstRun[0] = false;
                Variable out = body.apply(in[0]);
                after[0] = states(sources);
                return out;
            }
            restore(sources, before);
            Variable out = body.apply(in[0]);
            restore(sources, after[0]);
            return out;
        }, trainable, input);
    }

    private static long[] states(List<RandomSource> sources) {
        long[] s = new long[sources.size()];
        for (int i = 0; i < s.length; i++) s[i] = sources.get(i).randomState();
        return s;
    }

    private static void restore(List<RandomSource> sources, long[] states) {
        for (int i = 0; i < states.length; i++) sources.get(i).setRandomState(states[i]);
    }
}
