package org.visualchat.mmca.train;

import org.visualchat.autograd.Arith;
import org.visualchat.autograd.Variable;
import org.visualchat.mmca.model.VisualChatModel;
import org.visualchat.nn.checkpoint.StateDict;
import org.visualchat.nn.checkpoint.TrainingCheckpoint;
import org.visualchat.nn.checkpoint.TrainingState;
import org.visualchat.nn.optim.AdamW;
import org.visualchat.nn.optim.GradClip;
import org.visualchat.nn.optim.LrSchedule;
import org.visualchat.nn.optim.ParamGroup;
import org.visualchat.nn.optim.Scheduler;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * One process: AdamW over the reference's parameter groups, the schedule stepped per update, global-norm
 * clipping, fp16 loss scaling ({@link Precision}: an overflowing update is skipped, optimizer and schedule
 * both), and {@code checkpoint.safetensors} (trainable parameters + optimizer + schedule + position + loss
 * scaler state).
 */
final class LocalUpdater implements Updater {
    private final VisualChatModel model;
    private final TrainConfig config;
    private final AdamW optimizer;
    private final Scheduler scheduler;
    private final Precision precision;
    private final PrintStream console;

    LocalUpdater(VisualChatModel model, TrainConfig config, LrSchedule schedule, Precision precision, PrintStream console) {
        this.model = model;
        this.config = config;
        this.precision = precision;
        this.console = console;
        this.optimizer = new AdamW(ParamGroup.reference(model.trainableParameters(), config.learningRate(), config.embedLearningRate(), config.weightDecay()));
        this.scheduler = new Scheduler(optimizer, schedule);
    }

    @Override public int rank() { return 0; }

    @Override public int world() { return 1; }

    @Override
    public void backward(Variable loss, boolean lastMicroStep) {
        Arith.mul(loss, precision.lossFactor()).backward();
    }

    @Override
    public void step() {
        if (precision.unscaleOrSkip(model.trainableParameters().values(), console, this::anyRank)) {
            GradClip.clipGlobalNorm(model.trainableParameters().values(), config.gradientClipping());
            optimizer.step();
            scheduler.step();
        }
        optimizer.zeroGrad();
    }

    @Override public double lr() { return optimizer.groups().get(0).lr(); }

    @Override public double mean(double value) { return value; }

    @Override public double sum(double value) { return value; }

    @Override public boolean anyRank(boolean flag) { return flag; }

    @Override public boolean imagesOnSomeRanksOnly(boolean hasImages) { return false; }

    @Override
    public TrainingState resume(Path outputDir) throws IOException {
        if (Files.exists(outputDir.resolve(ZeroUpdater.SHARDED).resolve("latest"))) {
            throw new IllegalArgumentException(outputDir + " holds a sharded ZeRO checkpoint (" + ZeroUpdater.SHARDED
                    + "/): resume it data-parallel (visualchat launch --nproc N -- train ..., any N), or merge it with visualchat consolidate");
        }
        Path file = outputDir.resolve(Trainer.CHECKPOINT);
        if (!Files.isRegularFile(file)) return null;
        TrainingState state = TrainingCheckpoint.load(file, model, optimizer, scheduler);
        precision.load(state.lossScaler());
        return state;
    }

    @Override
    public void checkpoint(Path outputDir, TrainingState state) throws IOException {
        TrainingCheckpoint.save(outputDir.resolve(Trainer.CHECKPOINT), model, optimizer, scheduler,
                new TrainingState(state.step(), state.dataPosition(), state.rng(), precision.state()), true);
    }

    @Override
    public void saveTrainable(Path file) throws IOException {
        StateDict.save(model, file, true);
    }

    @Override
    public void close() {}
}
