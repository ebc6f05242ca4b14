package org.visualchat.autograd;

import org.visualchat.tensor.Tensor;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The reverse sweep: topological order of the recorded graph, then each node's rule from the root down. */
final class Backprop {
    private Backprop() {}

    /** Backpropagates from {@code root}, whose gradient holds the seed; leaves' gradients go to {@code into} when it is not null. */
    static void run(Variable root, LeafGradients into) {
        if (root.backwardRule() == null) {                  // backward() on a leaf: its gradient is the seed
            if (root.gradReadyHook() != null) root.gradReadyHook().accept(root);
            return;
        }
        List<Variable> order = topologicalOrder(root);
        Map<Variable, int[]> pending = into == null ? pendingHookedLeaves(order) : null;
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
                    Variable in = inputs[k];
                    if (in == null || !in.requiresGrad() || grads[k] == null) continue;
                    if (into != null && in.backwardRule() == null) into.add(in, grads[k]);
                    else in.accumulate(grads[k]);
                }
            }
            if (pending != null) fireCompleted(node.inputs(), pending);
            node.release();
        }
    }

    /**
     * For each hooked leaf: how many edges from recorded ops still have to deliver its gradient; null when no
     * leaf in the graph has a hook (the common case costs one pass over the edges).
     */
    private static Map<Variable, int[]> pendingHookedLeaves(List<Variable> order) {
        Map<Variable, int[]> pending = null;
        for (Variable node : order) {
            for (Variable in : node.inputs()) {
                if (in == null || in.gradReadyHook() == null || in.backwardRule() != null || !in.requiresGrad()) continue;
                if (pending == null) pending = new IdentityHashMap<>();
                pending.computeIfAbsent(in, k -> new int[1])[0]++;
            }
        }
        return pending;
    }

    /** A node has delivered its contributions: a hooked leaf whose last consumer this was is complete. */
    private static void fireCompleted(Variable[] inputs, Map<Variable, int[]> pending) {
        for (Variable in : inputs) {
            int[] left = in == null ? null : pending.get(in);
            if (left != null && --left[0] == 0) {
                pending.remove(in);
                in.gradReadyHook().accept(in);
            }
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
