package org.visualchat.autograd;

import org.visualchat.tensor.Tensor;
import org.visualchat.tensor.ops.Elementwise;

import java.util.Arrays;
import java.util.function.Consumer;

/**
 * A tensor on the autograd tape: its {@link #value()}, its accumulated {@link #grad()}, whether it
 * {@link #requiresGrad()}, and, for results of differentiable ops, the node that made it (inputs and
 * backward rule). {@link #backward()} walks the graph in reverse topological order (micrograd style),
 * accumulates into the {@code grad} of every leaf that requires it, and frees the graph behind it.
 *
 * <p>Leaf gradients accumulate across backward calls until {@link #zeroGrad()}: that is how gradient
 * accumulation over micro-batches works. Gradients are always F32, whatever the value's dtype.
 *
 * <pre>{@code
 * Variable w = Variable.parameter(Tensor.randn(1, 0.1f, 4, 3));
 * Variable x = Variable.of(Tensor.randn(2, 1f, 5, 3));
 * Variable loss = Reductions.sum(Products.linear(x, w, null));
 * loss.backward();
 * Tensor dw = w.grad();                        // [4, 3]
 * }</pre>
 */
public final class Variable {
    private Tensor value;
    private Tensor grad;
    /** Whether {@link #grad} is a private buffer we may add into (rather than a view of someone's gradient). */
    private boolean gradOwned;
    private boolean requiresGrad;
    // Set for op results while their graph is alive; cleared by backward().
    private Variable[] inputs;
    private Backward backward;
    private boolean consumed;
    /** Called by {@link Backprop} once this leaf's gradient of a backward pass is complete; null = none. */
    private Consumer<Variable> gradReady;

    private Variable(Tensor value, boolean requiresGrad) {
        this.value = value;
        this.requiresGrad = requiresGrad;
    }

    /** A constant: no gradient is ever computed for it. */
    public static Variable of(Tensor value) {
        return new Variable(value, false);
    }

    /** A trainable leaf whose gradient accumulates into {@link #grad()}. */
    public static Variable parameter(Tensor value) {
        return new Variable(value, true);
    }

    /**
     * The result of a differentiable op. Records {@code backward} against {@code inputs} only when a
     * graph is being recorded (outside {@link NoGrad}) and some input requires a gradient; otherwise the
     * result is a plain constant and nothing is retained.
     */
    public static Variable fromOp(Tensor value, Backward backward, Variable... inputs) {
        if (!NoGrad.isRecording()) return new Variable(value, false);
        for (Variable in : inputs) {
            if (in != null && in.requiresGrad) {
                Variable out = new Variable(value, true);
                out.inputs = inputs;
                out.backward = backward;
                return out;
            }
        }
        return new Variable(value, false);
    }

    public Tensor value() { return value; }

    /**
     * Replaces a leaf's value (optimizers writing a new BF16 copy, checkpoint loads); the shape must not
     * change, and the graph built from the old value must already be consumed.
     */
    public void setValue(Tensor newValue) {
        if (!isLeaf()) throw new IllegalStateException("only a leaf's value can be replaced");
        if (!Arrays.equals(newValue.shape(), value.shape())) {
            throw new IllegalArgumentException("new value shape " + Arrays.toString(newValue.shape()) + " differs from " + Arrays.toString(value.shape()));
        }
        value = newValue;
    }

    /** The accumulated gradient (F32, the value's shape), or null if none was computed yet. */
    public Tensor grad() { return grad; }

    /** Replaces the gradient (e.g. after clipping or an all-reduce); null clears it. */
    public void setGrad(Tensor newGrad) {
        if (newGrad != null && !Arrays.equals(newGrad.shape(), value.shape())) {
            throw new IllegalArgumentException("gradient shape " + Arrays.toString(newGrad.shape()) + " differs from value shape " + Arrays.toString(value.shape()));
        }
        grad = newGrad;
        gradOwned = false;
    }

    public void zeroGrad() {
        grad = null;
        gradOwned = false;
    }

    public boolean requiresGrad() { return requiresGrad; }

    /** Turns gradient tracking on or off for a leaf (freezing and unfreezing parameters). */
    public void setRequiresGrad(boolean requiresGrad) {
        if (!isLeaf()) throw new IllegalStateException("requiresGrad can only be changed on a leaf; use detach()");
        this.requiresGrad = requiresGrad;
    }

    /**
     * Calls {@code hook} (on the thread running {@code backward}) as soon as this leaf's gradient for the
     * current backward pass is complete, i.e. when every recorded op that consumes the leaf has passed its
     * contribution, while backward continues through the rest of the graph. This is what lets data
     * parallelism start reducing a gradient bucket before backward ends (DeepSpeed's {@code overlap_comm},
     * PyTorch's {@code register_post_accumulate_grad_hook}). The hook may read and replace the gradient.
     * A leaf that the graph does not reach gets no call. One hook per leaf; null removes it.
     */
    public void onGradientReady(Consumer<Variable> hook) {
        if (!isLeaf()) throw new IllegalStateException("gradient-ready hooks are for leaves (parameters)");
        this.gradReady = hook;
    }

    /** True for parameters and constants; false for op results (also after their graph was freed). */
    public boolean isLeaf() { return backward == null && !consumed; }

    /** The same value cut off from the graph, as a constant. */
    public Variable detach() {
        return new Variable(value, false);
    }

    public int[] shape() { return value.shape(); }
    public int dim(int d) { return value.dim(d); }
    public int rank() { return value.rank(); }

    /** Backpropagates from this scalar (rank 0 or one element) with seed gradient 1. */
    public void backward() {
        backward((LeafGradients) null);
    }

    /** Backpropagates {@code seed} = dLoss/dThis through the graph, then frees the graph. */
    public void backward(Tensor seed) {
        backward(seed, null);
    }

    /**
     * Backpropagates from this scalar like {@link #backward()}, but collects the leaves' gradients in {@code into}
     * instead of adding them to the leaves: for passes that run on several threads at once over the same
     * parameters ({@link ShardedBackward}). Gradient-ready hooks do not fire: only the caller knows when a
     * leaf's gradient is complete.
     */
    public void backward(LeafGradients into) {
        if (value.numel() != 1) {
            throw new IllegalStateException("backward() without a seed needs a one-element output, got shape " + Arrays.toString(value.shape()));
        }
        backward(Tensor.full(1f, value.shape()), into);
    }

    /** {@link #backward(Tensor)} into {@code into} when it is not null. */
    void backward(Tensor seed, LeafGradients into) {
        if (consumed) throw new IllegalStateException("backward() was already called through this graph; it has been freed");
        if (!requiresGrad) throw new IllegalStateException("this value does not require a gradient: no parameter reaches it (or it was computed under NoGrad)");
        if (into != null && backward == null) {
            into.add(this, seed);
            return;
        }
        accumulate(seed);
        Backprop.run(this, into);
    }

    // ---------------------------------------------------------------- engine hooks (package-private)

    Variable[] inputs() { return inputs; }

    Backward backwardRule() { return backward; }

    Consumer<Variable> gradReadyHook() { return gradReady; }

    /** Adds {@code g} into this gradient, copying on the second contribution so shared views stay intact. */
    void accumulate(Tensor g) {
        if (!Arrays.equals(g.shape(), value.shape())) {
            throw new IllegalStateException("gradient of shape " + Arrays.toString(g.shape()) + " for a value of shape " + Arrays.toString(value.shape()) + " (a backward rule is wrong)");
        }
        if (grad == null) {
            grad = g;
        } else if (!gradOwned) {
            grad = Elementwise.add(grad, g);
            gradOwned = true;
        } else {
            Elementwise.addInto(grad, g);
        }
    }

    /** Drops the node and intermediate gradient once backward has passed through it. */
    void release() {
        if (backward == null) return;
        inputs = null;
        backward = null;
        grad = null;
        gradOwned = false;
        consumed = true;
    }

    @Override
    public String toString() {
        return "Variable(" + value + (requiresGrad ? ", requiresGrad" : "") + ")";
    }
}
