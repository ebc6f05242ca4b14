package org.visualchat.mmca.train;

import org.visualchat.autograd.Arith;
import org.visualchat.autograd.Variable;
import org.visualchat.mmca.model.VisualChatModel;
import org.visualchat.nn.checkpoint.StateDict;
import org.visualchat.nn.checkpoint.TrainingCheckpoint;
import org.visualchat.nn.checkpoint.TrainingState;
import org.visualchat.nn.optim.AdamW;
import org.visualchat.nn.optim.LrSchedule;
import org.visualchat.nn.optim.ParamGroup;
import org.visualchat.nn.optim.Scheduler;
import org.visualchat.parallel.ProcessGroup;
import org.visualchat.parallel.ReduceOp;
import org.visualchat.parallel.zero.Manifest;
import org.visualchat.parallel.zero.ZeroCheckpoint;
import org.visualchat.parallel.zero.ZeroConfig;
import org.visualchat.parallel.zero.ZeroEngine;
import org.visualchat.tensor.io.SafetensorsWriter;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Data-parallel training under ZeRO stage 0–3 ({@code parallel/docs/zero.md}): the same AdamW groups and schedule
 * as {@link LocalUpdater}, but gradients averaged over the ranks (so each rank's loss is the mean over its own
 * micro-batch, as DeepSpeed's), optimizer state (stage ≥ 1), gradients (≥ 2) and parameters (3: the projection and
 * {@code lang_embed} are the ZeRO-3 units, each gathered around its forward and backward) sharded.
 * The frozen LLaMA and vision weights stay whole on every rank (memory-mapped).
 * fp16 ({@link Precision}) as DeepSpeed's: every rank scales its loss by the same scale, the overflow check runs
 * on the reduced gradients (this rank's shards) and is agreed over ranks, so all skip together and the scale
 * moves alike; the gradients are unscaled before the global norm and clipping.
 *
 * <p>Checkpoints: stages 1–3 write sharded checkpoints under {@code output_dir/zero/} ({@link ZeroCheckpoint}),
 * which resume at any world size and any stage 1–3; stage 0 replicates everything, so rank 0 writes the
 * single-process {@code checkpoint.safetensors}, which one process or any world size under stage 0 resumes.
 * Both carry the loss scaler's state under fp16.
 */
final class ZeroUpdater implements Updater {
    /** The sharded checkpoints' root inside the output directory. */
    static final String SHARDED = "zero";

    private final ProcessGroup pg;
    private final VisualChatModel model;
    private final ZeroEngine zero;
    private final Scheduler scheduler;
    private final Precision precision;
    private final PrintStream console;

    ZeroUpdater(ProcessGroup pg, VisualChatModel model, TrainConfig config, LrSchedule schedule, Precision precision, PrintStream console) {
        this.pg = pg;
        this.model = model;
        this.precision = precision;
        this.console = pg.rank() == 0 ? console : new PrintStream(OutputStream.nullOutputStream());   // one report, not one per rank
        ZeroConfig zc = config.zero();
        List<ParamGroup> groups = ParamGroup.reference(model.trainableParameters(), config.learningRate(), config.embedLearningRate(), config.weightDecay());
        this.zero = new ZeroEngine(pg, model, groups, AdamW::new, zc, List.of(model.projection(), model.langEmbed()));
        this.scheduler = new Scheduler(zero.optimizer(), schedule);
        if (zc.stage() == 3) model.runUnitsWith(zero::forward);
    }

    @Override public int rank() { return pg.rank(); }

    @Override public int world() { return pg.size(); }

    @Override
    public void backward(Variable loss, boolean lastMicroStep) {
        zero.backward(Arith.mul(loss, precision.lossFactor()), lastMicroStep);
    }

    @Override
    public void step() {
        // fp16: every rank scaled its loss alike; the engine hands over the reduced (sharded) gradients before
        // clipping, the overflow flag is agreed over ranks, and a skipped step skips the schedule too.
        boolean[] taken = {false};
        zero.step(grads -> taken[0] = precision.unscaleOrSkip(grads, console, this::anyRank));
        if (taken[0]) scheduler.step();
    }

    @Override public double lr() { return zero.optimizer().groups().get(0).lr(); }

    // The engine's allReduce, not pg's: it queues behind ZeRO-3 prefetches, which an evaluation can leave on the wire.
    @Override public double mean(double value) { return zero.allReduce((float) value, ReduceOp.AVG); }

    @Override public double sum(double value) { return zero.allReduce((float) value, ReduceOp.SUM); }

    @Override public boolean anyRank(boolean flag) { return zero.allReduce(flag ? 1f : 0f, ReduceOp.MAX) > 0; }

    @Override
    public boolean imagesOnSomeRanksOnly(boolean hasImages) {
        if (zero.config().stage() < 3) return false;
        float withImages = zero.allReduce(hasImages ? 1f : 0f, ReduceOp.SUM);
        return withImages > 0 && withImages < pg.size();
    }

    private boolean sharded() { return zero.config().stage() > 0; }

    @Override
    public TrainingState resume(Path outputDir) throws IOException {
        Path root = outputDir.resolve(SHARDED), single = outputDir.resolve(Trainer.CHECKPOINT);
        boolean hasSharded = Files.exists(root.resolve(ZeroCheckpoint.LATEST));
        if (sharded() && hasSharded) {
            Manifest m = ZeroCheckpoint.load(zero, root);
            scheduler.setStepCount(Long.parseLong(extra(m, "scheduler_step", root)));
            precision.load(scalerState(m));
            return new TrainingState(m.step(), Long.parseLong(extra(m, "data_position", root)));
        }
        if (hasSharded) throw new IllegalArgumentException(outputDir + " holds a sharded ZeRO checkpoint (" + SHARDED + "/): resume it under --zero_stage 1, 2 or 3");
        if (!Files.isRegularFile(single)) return null;
        if (sharded()) {
            throw new IllegalArgumentException(outputDir + " holds a whole-model " + Trainer.CHECKPOINT + " (one process or stage 0): resume it on one process or under --zero_stage 0");
        }
        TrainingState state = TrainingCheckpoint.load(single, model, zero.optimizer(), scheduler);
        precision.load(state.lossScaler());
        return state;
    }

    /** The loss scaler's entries of the manifest's extras (none unless fp16; the scaler names what is missing). */
    private Map<String, Long> scalerState(Manifest m) {
        Map<String, Long> state = new HashMap<>();
        for (String key : precision.state().keySet()) {
            String v = m.extra().get(key);
            if (v != null) state.put(key, Long.parseLong(v));
        }
        return state;
    }

    private static String extra(Manifest m, String key, Path root) {
        String v = m.extra().get(key);
        if (v == null) throw new IllegalArgumentException(root + ": the latest checkpoint's manifest has no '" + key + "' (not written by visualchat train)");
        return v;
    }

    @Override
    public void checkpoint(Path outputDir, TrainingState state) throws IOException {
        if (sharded()) {
            Map<String, String> extra = new HashMap<>(Map.of(
                    "data_position", Long.toString(state.dataPosition()), "scheduler_step", Long.toString(scheduler.stepCount())));
            precision.state().forEach((k, v) -> extra.put(k, Long.toString(v)));   // the same on every rank
            ZeroCheckpoint.save(zero, outputDir.resolve(SHARDED), state.step(), extra);
            return;
        }
        if (pg.rank() == 0) {
            TrainingCheckpoint.save(outputDir.resolve(Trainer.CHECKPOINT), model, zero.optimizer(), scheduler,
                    new TrainingState(state.step(), state.dataPosition(), state.rng(), precision.state()), true);
        }
        pg.barrier();   // complete before any rank goes on (and possibly fails)
    }

    @Override
    public void saveTrainable(Path file) throws IOException {
        if (zero.config().stage() == 3) {                 // the units are released between forwards: gather the masters
            var whole = zero.fullTrainableParameters();
            whole.replaceAll((n, t) -> precision.stored(t));   // as the other stages write them: in --precision
            if (pg.rank() == 0) SafetensorsWriter.write(file, whole);
        } else if (pg.rank() == 0) {
            StateDict.save(model, file, true);
        }
        pg.barrier();
    }

    @Override
    public void close() {
        model.runUnitsWith(VisualChatModel.UnitRunner.DIRECT);
        zero.close();
    }
}
