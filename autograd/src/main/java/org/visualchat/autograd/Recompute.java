package org.visualchat.autograd;

import org.visualchat.tensor.Tensor;

import java.util.List;
import java.util.function.Function;

/**
 * Activation (gradient) checkpointing: run a block without recording, keep only its inputs, and in
 * backward run it again with recording on and backpropagate through that fresh graph. Memory for the
 * block's activations is traded for one extra forward pass.
 *
 * <p>The block must compute the same function both times: a block that draws random numbers (dropout)
 * must replay the same draws on the second call, which the caller arranges (see nn's checkpointed block).
 */
public final class Recompute {
    private Recompute() {}

    /**
     * @param block      the computation; called once now (no graph) and once more during backward
     * @param parameters the trainable leaves the block reads; their gradients accumulate directly during
     *                   the recomputed backward
     * @param inputs     the block's activation inputs
     */
    public static Variable checkpoint(Function<Variable[], Variable> block, List<Variable> parameters, Variable... inputs) {
        Tensor value;
        try (NoGrad ignored = NoGrad.enter()) {
            value = block.apply(inputs).value();
        }
        Variable[] recorded = new Variable[inputs.length + parameters.size()];
        System.arraycopy(inputs, 0, recorded, 0, inputs.length);
        for (int i = 0; i < parameters.size(); i++) recorded[inputs.length + i] = parameters.get(i);
        return Variable.fromOp(value, g -> {
            Variable[] fresh = new Variable[inputs.length];
            for (int i = 0; i < inputs.length; i++) {
                fresh[i] = inputs[i].requiresGrad() ? Variable.parameter(inputs[i].value()) : Variable.of(inputs[i].value());
            }
            int saved = NoGrad.suspend();
            Variable out;
            try {
                out = block.apply(fresh);
            } finally {
                NoGrad.restore(saved);
            }
            if (out.requiresGrad()) out.backward(g);
            Tensor[] grads = new Tensor[recorded.length];   // parameter entries stay null: already accumulated
            for (int i = 0; i < inputs.length; i++) grads[i] = fresh[i].grad();
            return grads;
        }, recorded);
    }
}
