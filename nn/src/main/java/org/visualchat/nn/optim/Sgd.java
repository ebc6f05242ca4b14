package org.visualchat.nn.optim;

import jdk.incubator.vector.FloatVector;
import org.visualchat.tensor.Storage;
import org.visualchat.tensor.Tensor;
import org.visualchat.tensor.WorkerPool;

import java.lang.foreign.MemorySegment;
import java.util.HashMap;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.visualchat.nn.optim.Lanes.L;
import static org.visualchat.nn.optim.Lanes.LE;
import static org.visualchat.nn.optim.Lanes.S;

/**
 * SGD with momentum as torch.optim.SGD (dampening 0, not Nesterov): g ← g + wd·p; b ← g on the first
 * step, else b ← μb + g; p ← p − lr·b.
 */
public final class Sgd extends Optimizer {
    private static final int MIN_CHUNK = 1 << 14;

    private final float momentum;
    private final Map<String, Tensor> buffers = new HashMap<>();

    public Sgd(List<ParamGroup> groups, float momentum) {
        super(groups);
        if (momentum < 0) throw new IllegalArgumentException("momentum must be >= 0, got " + momentum);
        this.momentum = momentum;
    }

    @Override
    protected void update(String name, ParamGroup group, MemorySegment w, MemorySegment g, int n) {
        boolean useMomentum = momentum != 0, first = !buffers.containsKey(name);
        MemorySegment b = useMomentum ? buffers.computeIfAbsent(name, k -> Tensor.zeros(n)).segment() : null;
        float lr = (float) group.lr(), wd = (float) group.weightDecay(), mu = first ? 0f : momentum;
        WorkerPool.get().parallelFor(n, MIN_CHUNK, (start, end) -> {
            int i = start;
            for (int bound = start + S.loopBound(end - start); i < bound; i += L) {
                long at = 4L * i;
                FloatVector p = FloatVector.fromMemorySegment(S, w, at, LE);
                FloatVector d = FloatVector.fromMemorySegment(S, g, at, LE).add(p.mul(wd));
                if (useMomentum) {
                    d = FloatVector.fromMemorySegment(S, b, at, LE).mul(mu).add(d);
                    d.intoMemorySegment(b, at, LE);
                }
                p.sub(d.mul(lr)).intoMemorySegment(w, at, LE);
            }
            for (; i < end; i++) {   // the same arithmetic, one element at a time, for the tail
                float p = w.getAtIndex(Storage.F32, i);
                float d = g.getAtIndex(Storage.F32, i) + p * wd;
                if (useMomentum) {
                    d = b.getAtIndex(Storage.F32, i) * mu + d;
                    b.setAtIndex(Storage.F32, i, d);
                }
                w.setAtIndex(Storage.F32, i, p - d * lr);
            }
        });
    }

    @Override
    protected OptimizerState algorithmState() {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        buffers.forEach((n, t) -> tensors.put(n + ".momentum_buffer", t.copy()));
        return new OptimizerState(tensors, Map.of());
    }

    @Override
    protected void loadAlgorithmState(OptimizerState state) {
        buffers.clear();
        for (ParamGroup g : groups()) {
            g.params().forEach((n, p) -> {
                if (state.tensors().containsKey(n + ".momentum_buffer")) {
                    buffers.put(n, required(state, n + ".momentum_buffer", new int[] {Math.toIntExact(p.value().numel())}));
                }
            });
        }
    }
}
