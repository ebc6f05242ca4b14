package org.visualchat.autograd;

import org.visualchat.tensor.Tensor;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;

/** The reverse sweep: topological order of the recorded graph, then each node's rule from the root down. */
final class Backprop {
    private Backprop() {}

    static void run(Variable root) {
        List<Variable> order = topologicalOrder(root);
        // Reverse post-order visits a node only after every consumer of it has added its contribution.
        for (int i = order.size() - 1; i >= 0; i--) {
            Variable node = order.get(i);
            Tensor g = node.grad();
            if (g != null) {
                Variable[] inputs = node.inputs();
                Tensor[] grads = node.backwardRule().apply(g);
                if (grads.length != inputs.length) {
                    throw new IllegalStateException("a backward rule returned " + grads.length + " gradients for " + inputs.length + " inputs");
                }
                for (int k = 0; k < inputs.length; k++) {
                    if (inputs[k] != null && inputs[k].requiresGrad() && grads[k] != null) inputs[k].accumulate(grads[k]);
                }
            }
            node.release();
        }
    }

    /** Post-order of the op nodes reachable from {@code root} (iterative: deep graphs must not overflow the stack). */
    private static List<Variable> topologicalOrder(Variable root) {
        List<Variable> order = new ArrayList<>();
        Set<Variable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        ArrayDeque<Variable> stack = new ArrayDeque<>();
        ArrayDeque<Integer> nextChild = new ArrayDeque<>();
        if (root.backwardRule() == null) return order;
        seen.add(root);
        stack.push(root);
        nextChild.push(0);
        while (!stack.isEmpty()) {
            Variable v = stack.peek();
            int k = nextChild.pop();
            Variable[] in = v.inputs();
            if (k < in.length) {
                nextChild.push(k + 1);
                Variable c = in[k];
                if (c != null && c.backwardRule() != null && seen.add(c)) {
                    stack.push(c);
                    nextChild.push(0);
                }
            } else {
                stack.pop();
                order.add(v);
            }
        }
        return order;
    }
}
