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
 * AdamW as Hugging Face {@code transformers.AdamW} computes it (the optimizer the reference uses,
 * reference §5.2), with bias correction, per parameter and step t:
 * <pre>
 *   m ← β₁m + (1 − β₁)g          v ← β₂v + (1 − β₂)g²
 *   p ← p − lr·√(1 − β₂ᵗ)/(1 − β₁ᵗ) · m / (√v + ε)
 *   p ← p − lr·wd·p               (decoupled weight decay, applied after the Adam step)
 * </pre>
 * Note ε is added to √v before bias correction (HF), not to √v̂ (torch.optim.AdamW). Defaults follow the
 * reference: β = (0.9, 0.95), ε = 1e-6; weight decay comes from each {@link ParamGroup}.
 */
public final class AdamW extends Optimizer {
    private static final int MIN_CHUNK = 1 << 13;

    private final float beta1;
    private final float beta2;
    private final float eps;
    private final Map<String, Tensor> expAvg = new HashMap<>();
    private final Map<String, Tensor> expAvgSq = new HashMap<>();
    private final Map<String, Long> steps = new HashMap<>();

    public AdamW(List<ParamGroup> groups) {
        this(groups, 0.9f, 0.95f, 1e-6f);
    }

    public AdamW(List<ParamGroup> groups, float beta1, float beta2, float eps) {
        super(groups);
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
    }

    @Override
    protected void update(String name, ParamGroup group, MemorySegment w, MemorySegment g, int n) {
        MemorySegment m = expAvg.computeIfAbsent(name, k -> Tensor.zeros(n)).segment();
        MemorySegment v = expAvgSq.computeIfAbsent(name, k -> Tensor.zeros(n)).segment();
        long t = steps.merge(name, 1L, Long::sum);
        double stepSize = group.lr() * Math.sqrt(1 - Math.pow(beta2, t)) / (1 - Math.pow(beta1, t));
        float step = (float) stepSize, decay = (float) (group.lr() * group.weightDecay());
        float b1 = beta1, b2 = beta2, e = eps;
        WorkerPool.get().parallelFor(n, MIN_CHUNK, (start, end) -> {
            int i = start;
            for (int bound = start + S.loopBound(end - start); i < bound; i += L) {
                long at = 4L * i;
                FloatVector gi = FloatVector.fromMemorySegment(S, g, at, LE);
                FloatVector mi = FloatVector.fromMemorySegment(S, m, at, LE).mul(b1).add(gi.mul(1 - b1));
                FloatVector vi = FloatVector.fromMemorySegment(S, v, at, LE).mul(b2).add(gi.mul(gi).mul(1 - b2));
                mi.intoMemorySegment(m, at, LE);
                vi.intoMemorySegment(v, at, LE);
                FloatVector p = FloatVector.fromMemorySegment(S, w, at, LE).sub(mi.div(vi.sqrt().add(e)).mul(step));
                p.sub(p.mul(decay)).intoMemorySegment(w, at, LE);
            }
            for (; i < end; i++) {   // the same arithmetic, one element at a time, for the tail
                float gi = g.getAtIndex(Storage.F32, i);
                float mi = b1 * m.getAtIndex(Storage.F32, i) + (1 - b1) * gi;
                float vi = b2 * v.getAtIndex(Storage.F32, i) + (1 - b2) * (gi * gi);
                m.setAtIndex(Storage.F32, i, mi);
                v.setAtIndex(Storage.F32, i, vi);
                float p = w.getAtIndex(Storage.F32, i) - mi / ((float) Math.sqrt(vi) + e) * step;
                w.setAtIndex(Storage.F32, i, p - p * decay);
            }
        });
    }

    @Override
    protected OptimizerState algorithmState() {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        Map<String, Long> counters = new LinkedHashMap<>();
        steps.forEach((n, t) -> {
            tensors.put(n + ".exp_avg", expAvg.get(n).copy());
            tensors.put(n + ".exp_avg_sq", expAvgSq.get(n).copy());
            counters.put(n + ".step", t);
        });
        return new OptimizerState(tensors, counters);
    }

    @Override
    protected void loadAlgorithmState(OptimizerState state) {
        expAvg.clear();
        expAvgSq.clear();
        steps.clear();
        for (ParamGroup g : groups()) {
            g.params().forEach((n, p) -> {
                Long t = state.counters().get(n + ".step");
                if (t == null) return;   // never stepped (no gradient yet): starts fresh, as it would have
                int[] flat = {Math.toIntExact(p.value().numel())};
                expAvg.put(n, required(state, n + ".exp_avg", flat));
                expAvgSq.put(n, required(state, n + ".exp_avg_sq", flat));
                steps.put(n, t);
            });
        }
    }
}
