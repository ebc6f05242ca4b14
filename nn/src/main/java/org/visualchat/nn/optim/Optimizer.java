package org.visualchat.nn.optim;

import org.visualchat.autograd.Variable;
import org.visualchat.tensor.Tensor;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A first-order optimizer over parameter groups. {@link #step()} updates every parameter that has a
 * gradient (parameters without one are skipped, their state untouched, as in PyTorch) using F32 state,
 * then publishes mixed-precision masters into their BF16/F16 values.
 */
public abstract class Optimizer {
    private final List<ParamGroup> groups;
    private final Map<String, ParamBuffer> buffers = new LinkedHashMap<>();

    protected Optimizer(List<ParamGroup> groups) {
        this.groups = List.copyOf(groups);
        for (ParamGroup g : this.groups) {
            g.params().forEach((n, p) -> {
                if (buffers.put(n, new ParamBuffer(n, p, null)) != null) throw new IllegalArgumentException("parameter '" + n + "' is in more than one group");
            });
        }
    }

    public List<ParamGroup> groups() { return groups; }

    public void step() {
        for (ParamGroup g : groups) {
            for (Map.Entry<String, Variable> e : g.params().entrySet()) {
                Tensor grad = e.getValue().grad();
                if (grad == null) continue;
                ParamBuffer buffer = buffers.get(e.getKey());
                update(e.getKey(), g, buffer.weights(), ParamBuffer.f32(grad), Math.toIntExact(grad.numel()));
                buffer.publish();
            }
        }
    }

    /** Clears the gradient of every parameter this optimizer owns. */
    public void zeroGrad() {
        for (ParamGroup g : groups) for (Variable p : g.params().values()) p.zeroGrad();
    }

    /** Updates {@code n} F32 weights in place from their F32 gradient. */
    protected abstract void update(String name, ParamGroup group, MemorySegment weights, MemorySegment grad, int n);

    /** Algorithm-specific state (moments, step counts), keyed {@code <param>.<slot>}. */
    protected abstract OptimizerState algorithmState();

    protected abstract void loadAlgorithmState(OptimizerState state);

    /** Everything needed to resume: algorithm state plus F32 master copies of half-precision parameters. */
    public OptimizerState state() {
        OptimizerState s = algorithmState();
        Map<String, Tensor> tensors = new LinkedHashMap<>(s.tensors());
        buffers.forEach((n, b) -> { if (b.master() != null) tensors.put(n + ".master", b.master().copy()); });
        return new OptimizerState(tensors, s.counters());
    }

    public void loadState(OptimizerState state) {
        loadAlgorithmState(state);
        for (ParamGroup g : groups) {
            g.params().forEach((n, p) -> {
                Tensor master = state.tensors().get(n + ".master");
                if (master != null) buffers.put(n, new ParamBuffer(n, p, master.copy()));
            });
        }
    }

    /** A saved state tensor, with a clear error when it is missing or mis-shaped. */
    protected static Tensor required(OptimizerState state, String key, int[] shape) {
        Tensor t = state.tensors().get(key);
        if (t == null) throw new IllegalArgumentException("optimizer state has no tensor '" + key + "'");
        if (!Arrays.equals(t.shape(), shape)) {
            throw new IllegalArgumentException("optimizer state '" + key + "' has shape " + Arrays.toString(t.shape()) + ", expected " + Arrays.toString(shape));
        }
        return t.copy();
    }
}
