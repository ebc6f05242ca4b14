package org.visualchat.parallel.zero;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;
import org.visualchat.autograd.NoGrad;
import org.visualchat.autograd.Variable;
import org.visualchat.nn.Module;
import org.visualchat.nn.optim.Optimizer;
import org.visualchat.nn.optim.ParamGroup;
import org.visualchat.parallel.ProcessGroup;
import org.visualchat.parallel.ReduceOp;
import org.visualchat.tensor.DType;
import org.visualchat.tensor.Storage;
import org.visualchat.tensor.Tensor;
import org.visualchat.tensor.ops.Elementwise;

/**
 * Data-parallel training with ZeRO stages 0–3 (distributed.md §1, §7.2) over a {@link ProcessGroup}.
 *
 * <ul>
 *   <li>Stage 0: every rank keeps everything; gradients are all-reduced (averaged) in buckets at the step.
 *   <li>Stage 1: each rank keeps the F32 master copy and the optimizer state of its slice of every trainable
 *       parameter only. At the step, gradients are reduce-scattered (averaged) to their owners, each rank
 *       updates its slices, and the updated slices are all-gathered into the (replicated) parameters.
 *   <li>Stage 2: as 1, but gradients are reduce-scattered after every micro-step into the owned F32 slices
 *       and the full gradients freed, so accumulation holds only 1/p of them.
 *   <li>Stage 3: as 2, and the parameters of each unit module (see {@link #forward}) are held as slices only;
 *       they are all-gathered before the unit's forward and again before its backward, released after each,
 *       and the unit's gradients are reduce-scattered as soon as its backward finishes. Upcoming units are
 *       gathered ahead ({@link ZeroConfig#prefetchUnits()}), in the order recorded on the first micro-step.
 *       Trainable parameters outside every unit stay whole and behave as in stage 2.
 * </ul>
 * Every trainable parameter is split exactly over ranks ({@code Split.balanced}: uneven, possibly empty
 * slices, no padding); per unit all slices travel in one coalesced collective. Frozen parameters stay whole
 * on every rank (e.g. memory-mapped) unless {@link ZeroConfig.Frozen#PARTITIONED} shards them under stage 3.
 * Gradients are averaged over ranks, so each rank's loss should be the mean over its own micro-batch.
 *
 * <pre>{@code
 * try (ZeroEngine zero = new ZeroEngine(pg, model, ParamGroup.reference(model.trainableParameters(), 1e-3, 1e-3, 0),
 *         AdamW::new, ZeroConfig.stage(3).withGradientClipping(1.0), model.layers())) {
 *     Scheduler sched = new Scheduler(zero.optimizer(), schedule);       // the inner optimizer owns the learning rates
 *     for (...) {
 *         Variable h = x;
 *         for (Module layer : model.layers()) h = zero.forward(layer, h, layer::forward);
 *         zero.backward(loss(h));                                        // once per micro-step
 *         if (boundary) { zero.step(); sched.step(); }
 *     }
 * }
 * }</pre>
 * The same program runs unchanged at every stage ({@link #forward} just calls the body below stage 3).
 * Not thread-safe: one training thread per rank. Outside the engine's calls the group is free for the
 * caller's own collectives (logging a loss, a barrier); between the {@link #forward} calls of one
 * micro-step prefetches may be on the wire, so issue none there ({@link #allReduce} is safe anywhere).
 */
public final class ZeroEngine implements AutoCloseable {
    private final ProcessGroup pg;
    private final ZeroConfig config;
    private final Optimizer inner;
    /** Stage 0 only: the trainable parameters by name, and in buckets. */
    private final Map<String, Variable> replicated = new LinkedHashMap<>();
    private final List<List<Variable>> ddpBuckets = new ArrayList<>();
    /** Stages 1–3: units whose parameters stay whole on every rank. */
    private final List<Unit> resident = new ArrayList<>();
    /** Stage 3: the units whose parameters are sharded, by module. */
    private final Map<Module, Unit> partitioned = new IdentityHashMap<>();
    private final Map<String, Slot> slots = new LinkedHashMap<>();
    private final CommQueue comm = new CommQueue();
    private final UnitGathering gathering;
    /** overlap_comm (stages 0–2): buckets handed to the communication thread during backward; null when off. */
    private ReadyBuckets overlap;
    private final List<Future<?>> inflight = new ArrayList<>();
    /** Stages 0 and 1: this step's gradients were already reduced, overlapped with the last micro-step's backward. */
    private boolean reduced;

    /**
     * @param model     the whole model (for parameter names)
     * @param groups    the optimizer groups over {@code model}'s trainable parameters, by full name
     * @param optimizer builds the inner optimizer (e.g. {@code AdamW::new}); under stages 1–3 it receives groups
     *                  of this rank's F32 master slices, named like the parameters they belong to
     * @param units     stage 3: the modules whose parameters are gathered around their {@link #forward} calls
     *                  (disjoint, without dropout); ignored below stage 3
     */
    public ZeroEngine(ProcessGroup pg, Module model, List<ParamGroup> groups, Function<List<ParamGroup>, Optimizer> optimizer,
                      ZeroConfig config, List<? extends Module> units) {
        this.pg = pg;
        this.config = config;
        this.gathering = new UnitGathering(comm, this::gatherUnit, config.prefetchUnits());
        Map<Variable, String> nameOf = new IdentityHashMap<>();
        model.namedParameters().forEach((n, p) -> nameOf.put(p, n));
        Map<String, Variable> trainable = new LinkedHashMap<>();
        for (ParamGroup g : groups) {
            g.params().forEach((n, p) -> {
                if (!n.equals(nameOf.get(p))) throw new IllegalArgumentException("optimizer group '" + g.name() + "' names '" + n + "', which is not that parameter's name in the model");
                if (!p.requiresGrad()) throw new IllegalArgumentException("parameter '" + n + "' is in optimizer group '" + g.name() + "' but frozen");
                trainable.put(n, p);
            });
        }
        model.trainableParameters().forEach((n, p) -> {
            if (!trainable.containsKey(n)) throw new IllegalArgumentException("trainable parameter '" + n + "' is in no optimizer group; freeze it or add it");
        });
        if (config.stage() == 0) {
            replicated.putAll(trainable);
            bucket(new ArrayList<>(trainable.values()), Variable::value, ddpBuckets::add);
            if (config.overlapComm()) {
                List<List<Variable>> lastFirst = ddpBuckets.reversed();
                overlap = new ReadyBuckets(lastFirst, i -> inflight.add(allReduceBucket(lastFirst.get(i))));
            }
            this.inner = optimizer.apply(groups);
            return;
        }
        if (config.stage() == 3) {
            for (Module m : units) addPartitionedUnit(m, nameOf, trainable);
        }
        List<Slot> rest = new ArrayList<>();
        trainable.forEach((n, p) -> {
            if (!slots.containsKey(n)) rest.add(addSlot(n, p));
        });
        for (Slot s : rest) checkWritable(s);
        bucket(rest, s -> s.param.value(), b -> resident.add(new Unit("bucket " + resident.size(), false, b, pg.size())));
        if (config.overlapComm() && config.stage() < 3) {
            List<Unit> lastFirst = resident.reversed();
            overlap = new ReadyBuckets(lastFirst.stream().map(u -> u.trainable.stream().map(sl -> sl.param).toList()).toList(),
                    i -> inflight.add(reduceScatterUnit(lastFirst.get(i))));
        }
        List<ParamGroup> shardGroups = new ArrayList<>();
        for (ParamGroup g : groups) {
            Map<String, Variable> masters = new LinkedHashMap<>();
            g.params().keySet().forEach(n -> {
                Slot s = slots.get(n);
                if (s.master != null) masters.put(n, s.master);
            });
            shardGroups.add(new ParamGroup(g.name(), masters, g.baseLr(), g.weightDecay()));
        }
        this.inner = optimizer.apply(shardGroups);
    }

    private void addPartitionedUnit(Module m, Map<Variable, String> nameOf, Map<String, Variable> trainable) {
        if (partitioned.containsKey(m)) throw new IllegalArgumentException("a module is listed twice as a ZeRO-3 unit");
        if (!m.randomSources().isEmpty()) {
            throw new IllegalArgumentException("ZeRO-3 unit " + m.getClass().getSimpleName() + " draws random numbers (dropout "
                    + m.randomSources().keySet() + "), which its backward recomputation would not replay");
        }
        List<Slot> members = new ArrayList<>();
        for (Variable p : m.namedParameters().values()) {
            String n = nameOf.get(p);
            if (n == null) throw new IllegalArgumentException("a ZeRO-3 unit has a parameter that is not part of the model");
            if (slots.containsKey(n)) throw new IllegalArgumentException("parameter '" + n + "' belongs to two ZeRO-3 units");
            boolean frozen = !p.requiresGrad();
            if (frozen && config.frozen() == ZeroConfig.Frozen.REPLICATED) continue;
            if (!frozen && !trainable.containsKey(n)) throw new IllegalStateException("checked above: " + n);
            Slot s = addSlot(n, p);
            s.shard = s.dtype == DType.F32 && s.master != null ? s.master.value()
                    : Slot.flat(p.value()).narrow(0, Math.toIntExact(s.offset), Math.toIntExact(s.count)).to(s.dtype);
            members.add(s);
        }
        Unit u = new Unit(m.getClass().getSimpleName() + "@" + partitioned.size(), true, members, pg.size());
        partitioned.put(m, u);
        gathering.release(u);
    }

    private Slot addSlot(String name, Variable p) {
        Slot s = new Slot(name, p, pg.rank(), pg.size());
        slots.put(name, s);
        return s;
    }

    private static void checkWritable(Slot s) {
        Tensor v = s.param.value();
        if (!v.isContiguous() || v.storage().isReadOnly()) {
            throw new IllegalArgumentException("trainable parameter '" + s.name + "' must be a contiguous, writable tensor (copy memory-mapped weights before training them)");
        }
    }

    private <T> void bucket(List<T> items, Function<T, Tensor> value, java.util.function.Consumer<List<T>> sink) {
        List<T> current = new ArrayList<>();
        long n = 0;
        for (T item : items) {
            long k = value.apply(item).numel();
            if (!current.isEmpty() && n + k > config.bucketElements()) {
                sink.accept(current);
                current = new ArrayList<>();
                n = 0;
            }
            current.add(item);
            n += k;
        }
        if (!current.isEmpty()) sink.accept(current);
    }

    /** The optimizer that updates this rank's parameters (attach learning-rate schedulers to it). */
    public Optimizer optimizer() { return inner; }

    public ZeroConfig config() { return config; }

    /**
     * Runs {@code body(input)} for the unit {@code module}. Under stage 3 the unit's parameters are gathered
     * for the call and released after; its activations are not kept, and during backward the parameters are
     * gathered again, the body recomputed and backpropagated, the parameters released and the unit's
     * gradients reduce-scattered to their owners. Below stage 3 this is just {@code body.apply(input)}.
     * Constants the body needs besides {@code input} may be captured; they get no gradient.
     */
    public Variable forward(Module module, Variable input, UnaryOperator<Variable> body) {
        if (config.stage() < 3) return body.apply(input);
        Unit u = partitioned.get(module);
        if (u == null) throw new IllegalArgumentException(module.getClass().getSimpleName() + " is not one of this engine's ZeRO-3 units");
        boolean recording = NoGrad.isRecording();
        if (recording) gathering.acquire(u, true);
        else gathering.acquireUntraced(u);
        Tensor out;
        try (NoGrad ignored = NoGrad.enter()) {
            out = body.apply(input).value();
        } finally {
            gathering.release(u);
        }
        if (!recording) return Variable.of(out);
        Variable[] inputs = new Variable[1 + u.trainable.size()];
        inputs[0] = input;
        for (int i = 0; i < u.trainable.size(); i++) inputs[1 + i] = u.trainable.get(i).param;
        return Variable.fromOp(out, g -> backwardThrough(u, input, body, g, inputs.length), inputs);
    }

    private Tensor[] backwardThrough(Unit u, Variable input, UnaryOperator<Variable> body, Tensor g, int inputs) {
        if (!NoGrad.isRecording()) throw new IllegalStateException("backward through a ZeRO-3 unit must run with gradient recording on (not inside NoGrad)");
        gathering.acquire(u, false);
        Variable fresh = input.requiresGrad() ? Variable.parameter(input.value()) : Variable.of(input.value());
        try {
            Variable out = body.apply(fresh);
            if (out.requiresGrad()) out.backward(g);
        } finally {
            gathering.release(u);
        }
        reduceGradients(u);
        Tensor[] grads = new Tensor[inputs];   // parameter entries stay null: their slices were reduced above
        grads[0] = fresh.grad();
        return grads;
    }

    /**
     * Backpropagates one micro-step's loss. Stages 2 and 3 then reduce-scatter the gradients of the
     * parameters that stay whole and free them; stages 0 and 1 keep accumulating full gradients until {@link #step()}.
     * With {@link ZeroConfig#overlapComm()} stage 2 reduces each bucket during backward instead.
     */
    public void backward(Variable loss) {
        backward(loss, false);
    }

    /**
     * As {@link #backward(Variable)}; {@code lastMicroStep} says that {@link #step()} follows, so under
     * {@link ZeroConfig#overlapComm()} stages 0 and 1 reduce the accumulated gradients during this backward
     * (bucket by bucket, as they complete) instead of in {@code step()}.
     */
    public void backward(Variable loss, boolean lastMicroStep) {
        if (reduced) throw new IllegalStateException("backward after the last micro-step's gradients were reduced: call step() first");
        if (overlap != null && (config.stage() == 2 || lastMicroStep)) overlap.arm();
        if (config.stage() == 3) gathering.beginBackward();
        loss.backward();
        if (overlap != null && overlap.armed()) {
            overlap.finish();
            for (Future<?> f : inflight) CommQueue.await(f);
            inflight.clear();
            reduced = config.stage() < 2;
        } else if (config.stage() >= 2) {
            for (Unit u : resident) reduceGradients(u);
        }
        if (config.stage() == 3) gathering.endMicroStep();
    }

    /**
     * Averages the accumulated gradients over ranks, clips them to {@link ZeroConfig#gradientClipping()} by the
     * global norm, updates the parameters and clears the gradients. Returns the global gradient norm before
     * clipping (as {@code GradClip.clipGlobalNorm} would compute it on the whole batch).
     */
    public double step() {
        return step(grads -> true);
    }

    /**
     * As {@link #step()}, but once the gradients are reduced and before the norm is taken, {@code gate} decides
     * whether the update happens. It receives the variables holding this rank's reduced gradients (the F32 master
     * slices under stages 1–3, the whole parameters under stage 0) and may replace those gradients — fp16 loss
     * scaling unscales them there, so the norm and clipping see unscaled gradients, as in DeepSpeed's fp16
     * optimizers. It must answer alike on every rank (each sees only its own shards from stage 1 on: agree with
     * {@link #allReduce}). On false the gradients are dropped, nothing is updated and NaN is returned.
     */
    public double step(Predicate<List<Variable>> gate) {
        boolean alreadyReduced = reduced;
        reduced = false;
        if (config.stage() == 0) return stepReplicated(alreadyReduced, gate);
        if (config.stage() == 1 && !alreadyReduced) for (Unit u : resident) reduceGradients(u);
        gathering.dropPrefetched();   // gathered before the update: stale
        List<Variable> masters = new ArrayList<>();
        for (Slot s : slots.values()) {
            if (s.master == null) continue;
            s.master.setGrad(s.gradShard);
            masters.add(s.master);
        }
        double norm = Double.NaN;
        if (gate.test(masters)) {
            double sumSq = 0;
            for (Variable m : masters) sumSq += sumOfSquares(m.grad());
            float local = (float) sumSq;
            norm = Math.sqrt(comm.call(() -> pg.allReduce(local, ReduceOp.SUM)));
            float coef = clipCoefficient(norm);
            if (coef < 1) for (Variable m : masters) m.setGrad(Elementwise.mul(m.grad(), coef));
            inner.step();
            for (Unit u : resident) comm.call(() -> publishResident(u));
        }
        for (Slot s : slots.values()) {
            if (!s.trainable) continue;
            if (s.master != null) {
                s.master.zeroGrad();
                if (s.shard != null && s.dtype != DType.F32) s.shard = s.masterInParamDtype();
            }
            s.gradShard = Tensor.zeros(Math.toIntExact(s.count));
        }
        return norm;
    }

    private double stepReplicated(boolean alreadyReduced, Predicate<List<Variable>> gate) {
        List<Variable> all = new ArrayList<>();
        for (List<Variable> b : ddpBuckets) {
            all.addAll(b);
            if (!alreadyReduced) CommQueue.await(allReduceBucket(b));
        }
        double norm = Double.NaN;
        if (gate.test(all)) {
            double sumSq = 0;
            for (Variable p : all) sumSq += sumOfSquares(p.grad());
            norm = Math.sqrt(sumSq);
            float coef = clipCoefficient(norm);
            if (coef < 1) for (Variable p : all) p.setGrad(Elementwise.mul(p.grad(), coef));
            inner.step();
        }
        inner.zeroGrad();
        return norm;
    }

    /**
     * Stage 0: copies a bucket's gradients into one flat buffer (on the caller's thread, where they were
     * computed) and all-reduces (averages) it on the communication thread, which then sets the averages as the
     * parameters' gradients.
     */
    private Future<?> allReduceBucket(List<Variable> b) {
        long elements = 0;
        for (Variable p : b) elements += p.value().numel();
        Tensor flat = Tensor.zeros(Math.toIntExact(elements));
        long at = 0;
        for (Variable p : b) {
            long n = p.value().numel();
            if (p.grad() != null) MemorySegment.copy(Slot.flat(p.grad()).segment(), 0, flat.segment(), 4 * at, 4 * n);
            at += n;
        }
        return comm.submit(() -> {
            pg.allReduce(flat.segment(), DType.F32, flat.numel(), ReduceOp.AVG);
            long to = 0;
            for (Variable p : b) {
                int n = Math.toIntExact(p.value().numel());
                p.setGrad(flat.narrow(0, Math.toIntExact(to), n).reshape(p.value().shape()));
                to += n;
            }
            return null;
        });
    }

    /** torch's clip_grad_norm_: scale by max/(‖g‖ + 1e-6) when that is below 1. */
    private float clipCoefficient(double norm) {
        if (config.gradientClipping() == 0) return 1f;
        return (float) Math.min(1.0, config.gradientClipping() / (norm + 1e-6));
    }

    private static double sumOfSquares(Tensor t) {
        MemorySegment s = t.contiguous().segment();
        double sum = 0;
        for (long i = 0, n = t.numel(); i < n; i++) {
            double x = s.getAtIndex(Storage.F32, i);
            sum += x * x;
        }
        return sum;
    }

    // ------------------------------------------------------------------ gradients

    /** Reduce-scatters (averages) the unit's full gradients into the owners' F32 slices and frees them. */
    private void reduceGradients(Unit u) {
        CommQueue.await(reduceScatterUnit(u));
    }

    /**
     * Packs the unit's full gradients and frees them (on the caller's thread), then reduce-scatters the pack on
     * the communication thread, which adds this rank's part into its slices' gradient shards.
     */
    private Future<?> reduceScatterUnit(Unit u) {
        if (u.trainable.isEmpty()) return CompletableFuture.completedFuture(null);
        ShardLayout layout = u.grads;
        List<MemorySegment> full = new ArrayList<>();
        for (Slot s : u.trainable) {
            Tensor g = s.param.grad();
            full.add((g == null ? Tensor.zeros(Math.toIntExact(s.numel())) : Slot.flat(g)).segment());
        }
        Tensor flat = Tensor.zeros(Math.toIntExact(layout.split().total()));
        layout.pack(full, flat.segment());
        for (Slot s : u.trainable) s.param.zeroGrad();
        Tensor mine = Tensor.zeros(Math.toIntExact(layout.split().count(pg.rank())));
        return comm.submit(() -> {
            pg.reduceScatter(flat.segment(), mine.segment(), DType.F32, layout.split(), ReduceOp.AVG);
            for (int i = 0; i < u.trainable.size(); i++) {
                Slot s = u.trainable.get(i);
                if (s.count > 0) Elementwise.addInto(s.gradShard, mine.narrow(0, Math.toIntExact(layout.offsetInShard(pg.rank(), i)), Math.toIntExact(s.count)));
            }
            return null;
        });
    }

    // ------------------------------------------------------------------ parameters

    /** All-gathers the updated master slices (rounded to the parameters' dtype) into the whole parameters. */
    private Void publishResident(Unit u) {
        for (Unit.DTypeGroup g : u.byDtype) {
            Tensor flat = gatherGroup(g, s -> s.master == null ? null : s.masterInParamDtype());
            List<MemorySegment> params = new ArrayList<>();
            for (Slot s : g.slots()) params.add(s.param.value().segment());
            g.layout().unpack(flat.segment(), params);
        }
        return null;
    }

    /** Gathers a partitioned unit's parameters: whole tensors in {@code u.slots} order (runs on the comm thread). */
    private List<Tensor> gatherUnit(Unit u) {
        List<Tensor> out = new ArrayList<>(Collections.nCopies(u.slots.size(), (Tensor) null));
        for (Unit.DTypeGroup g : u.byDtype) {
            Tensor flat = gatherGroup(g, s -> s.shard);
            List<MemorySegment> params = new ArrayList<>();
            for (Slot s : g.slots()) {
                Tensor t = Tensor.zeros(s.dtype, s.shape);
                params.add(t.segment());
                out.set(u.slots.indexOf(s), t);
            }
            g.layout().unpack(flat.segment(), params);
        }
        return out;
    }

    /** One coalesced all-gather: this rank's slices (from {@code mine}, null = empty) into the rank-major flat buffer. */
    private Tensor gatherGroup(Unit.DTypeGroup g, Function<Slot, Tensor> mine) {
        ShardLayout layout = g.layout();
        long b = layout.dtype().elementBytes();
        int rank = pg.rank();
        Tensor flat = Tensor.zeros(layout.dtype(), Math.toIntExact(layout.split().total()));
        for (int i = 0; i < g.slots().size(); i++) {
            Slot s = g.slots().get(i);
            Tensor slice = mine.apply(s);
            if (s.count > 0) MemorySegment.copy(slice.segment(), 0, flat.segment(), layout.offsetInFlat(rank, i) * b, s.count * b);
        }
        MemorySegment own = flat.segment().asSlice(layout.split().offset(rank) * b, layout.split().count(rank) * b);
        // An all-gather only moves bytes; the wire knows F32 and BF16, so F16 travels as same-width BF16.
        pg.allGather(own, flat.segment(), layout.dtype() == DType.F16 ? DType.BF16 : layout.dtype(), layout.split());
        return flat;
    }

    // ------------------------------------------------------------------ inspection

    /**
     * The caller's scalar all-reduce (a loss to log, a flag to agree on), issued on the communication thread in
     * order with the engine's own collectives, so unlike a direct {@code pg.allReduce} it is safe at any point,
     * also while stage-3 prefetches are on the wire.
     */
    public float allReduce(float value, ReduceOp op) {
        return comm.call(() -> pg.allReduce(value, op));
    }

    /** The most units whose parameters were gathered (in use or prefetched) at one time; stage 3 keeps it ≤ 1 + prefetch. */
    public int maxGatheredUnits() { return gathering.maxGathered(); }

    /** Every trainable parameter whole, F32, from the masters (a collective: every rank must call it). */
    public Map<String, Tensor> fullTrainableParameters() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        if (config.stage() == 0) {
            replicated.forEach((n, p) -> out.put(n, p.value().to(DType.F32)));
            return out;
        }
        for (Slot s : slots.values()) {
            if (!s.trainable) continue;
            Tensor full = Tensor.zeros(s.shape);
            MemorySegment mine = s.master == null ? MemorySegment.ofArray(new float[0]) : s.master.value().segment();
            comm.call(() -> { pg.allGather(mine, full.segment(), DType.F32, s.split); return null; });
            out.put(s.name, full);
        }
        return out;
    }

    /** This rank's slices (stages 1–3), by parameter name: for checkpoints. */
    Map<String, Slot> slots() { return Collections.unmodifiableMap(slots); }

    ProcessGroup group() { return pg; }

    /** Re-publishes parameters after the masters were replaced (checkpoint load). */
    void republish() {
        for (Unit u : resident) comm.call(() -> publishResident(u));
        for (Slot s : slots.values()) {
            if (s.shard == null || s.master == null) continue;
            s.shard = s.dtype == DType.F32 ? s.master.value() : s.masterInParamDtype();
        }
    }

    @Override
    public void close() {
        if (overlap != null) overlap.detach();
        comm.close();
    }
}
