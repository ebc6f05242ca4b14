package org.visualchat.mmca.demo;

import org.visualchat.mmca.train.ProgressBar;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntConsumer;
import java.util.function.IntFunction;
import java.util.function.Supplier;
import org.visualchat.autograd.ShardedBackward;
import org.visualchat.autograd.ShardedBackward.Shard;
import org.visualchat.autograd.Variable;
import org.visualchat.nn.optim.AdamW;
import org.visualchat.nn.optim.GradClip;
import org.visualchat.nn.optim.LrSchedule;
import org.visualchat.nn.optim.ParamGroup;

/**
 * The demo's optimisation loop, shared by its three stages: AdamW with the reference's betas (0.9, 0.95)
 * and eps 1e-6, 10 % linear warmup then cosine decay to 0 (reference §5.2), global gradient-norm clip 1.0,
 * one batch per step, its loss given as shards that run one per core ({@link ShardedBackward}; a single
 * shard splits each op across the cores instead), with a progress bar showing a running mean of the loss.
 */
final class TrainLoop {
    private TrainLoop() {}

    /**
     * Runs {@code steps} steps; {@code shardsOfStep} builds step {@code t}'s batch and returns the losses whose
     * sum is its loss. Returns every step's loss.
     */
    static double[] run(Map<String, Variable> params, double lr, int steps, ProgressBar bar, IntFunction<List<Shard>> shardsOfStep) {
        return run(params, lr, steps, bar, shardsOfStep, t -> {});
    }

    /**
     * {@link #run(Map, double, int, ProgressBar, IntFunction)}, calling {@code stepDone} with each step's index as it
     * ends. Step t + 1's batch is built while step t's shards run ({@link ShardedBackward#run(List, Runnable)}), in
     * the order of the steps, so {@code shardsOfStep} may read a stream.
     */
    static double[] run(Map<String, Variable> params, double lr, int steps, ProgressBar bar, IntFunction<List<Shard>> shardsOfStep, IntConsumer stepDone) {
        ParamGroup group = new ParamGroup("all", params, lr, 0.0);
        AdamW optimizer = new AdamW(List.of(group), 0.9f, 0.95f, 1e-6f);
        LrSchedule schedule = LrSchedule.withWarmup(LrSchedule.Kind.COSINE, 0.1, steps);
        double[] losses = new double[steps];
        double running = Double.NaN;
        AtomicReference<List<Shard>> batch = new AtomicReference<>(steps > 0 ? shardsOfStep.apply(0) : null);
        for (int t = 0; t < steps; t++) {
            int next = t + 1;
            group.setLr(lr * schedule.factor(t));
            losses[t] = ShardedBackward.run(batch.get(), () -> batch.set(next < steps ? shardsOfStep.apply(next) : null));
            GradClip.clipGlobalNorm(params.values(), 1.0);
            optimizer.step();
            optimizer.zeroGrad();
            running = Double.isNaN(running) ? losses[t] : 0.95 * running + 0.05 * losses[t];
            bar.update(t + 1, String.format(Locale.ROOT, "loss %.3f", running));
            stepDone.accept(t);
        }
        bar.finish();
        return losses;
    }

    /** A step whose loss is one shard. */
    static List<Shard> whole(Supplier<Variable> loss) {
        return List.of(Shard.of(loss));
    }
}
