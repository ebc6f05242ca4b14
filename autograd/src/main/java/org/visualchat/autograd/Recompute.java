package org.visualchat.autograd;

import org.visualchat.tensor.Tensor;

import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
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
     * @param parameters the trainable leaves the block reads; the recomputed backward returns their
     *                   gradients through this node like the inputs' ones
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
            // The parameters' gradients go back through this node's edges like any input's, so the outer pass
            // decides where they land (the leaves, or a LeafGradients of a sharded pass) and fires their hooks.
            LeafGradients inner = new LeafGradients();
            if (out.requiresGrad()) out.backward(g, inner);
            Set<Variable> known = Collections.newSetFromMap(new IdentityHashMap<>());
            known.addAll(Arrays.asList(fresh));
            known.addAll(parameters);
            for (Variable leaf : inner.leaves()) {
                if (!known.contains(leaf)) {
                    throw new IllegalStateException("a checkpointed block read a trainable leaf of shape " + Arrays.toString(leaf.shape()) + " that is not among its parameters: list it, or its gradient is lost");
                }
            }
            Tensor[] grads = new Tensor[recorded.length];
            for (int i = 0; i < inputs.length; i++) grads[i] = inner.of(fresh[i]);
            for (int i = 0; i < parameters.size(); i++) grads[inputs.length + i] = inner.of(parameters.get(i));
            return grads;
        }, recorded);
    }
}
