package org.visualchat.autograd;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.visualchat.tensor.Tensor;

/**
 * Gradients of one backward pass kept apart from the leaves they belong to ({@link Variable#backward(LeafGradients)}),
 * until {@link #addToLeaves()} adds them in. Two threads can then backpropagate two losses over the same
 * parameters at once without racing on the parameters' gradients, and the caller decides the order in which
 * the passes are summed, so the sum has the same bits however the threads were scheduled.
 *
 * <pre>{@code
 * LeafGradients mine = new LeafGradients();
 * loss.backward(mine);     // parameters' grad() untouched
 * mine.addToLeaves();      // now as if loss.backward() had run
 * }</pre>
 */
public final class LeafGradients {
    /** Per leaf, a private stand-in over the same value whose gradient collects this pass's contributions. */
    private final Map<Variable, Variable> standIns = new IdentityHashMap<>();
    /** The leaves in the order they first received a gradient (the order {@link #addToLeaves()} visits them). */
    private final List<Variable> leaves = new ArrayList<>();

    /** Called by {@link Backprop} instead of {@code leaf.accumulate(g)}. */
    void add(Variable leaf, Tensor g) {
        Variable standIn = standIns.get(leaf);
        if (standIn == null) {
            standIn = Variable.parameter(leaf.value());
            standIns.put(leaf, standIn);
            leaves.add(leaf);
        }
        standIn.accumulate(g);
    }

    /** This pass's gradient of {@code leaf}, or null if the pass did not reach it. */
    public Tensor of(Variable leaf) {
        Variable standIn = standIns.get(leaf);
        return standIn == null ? null : standIn.grad();
    }

    /** The leaves this pass reached, in the order they first received a gradient. */
    List<Variable> leaves() { return leaves; }

    /** Adds every gradient of this pass into its leaf's {@link Variable#grad()}, then forgets them. */
    public void addToLeaves() {
        for (Variable leaf : leaves) leaf.accumulate(standIns.get(leaf).grad());
        standIns.clear();
        leaves.clear();
    }
}
