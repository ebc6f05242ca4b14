package org.visualchat.mmca.demo;

import org.visualchat.mmca.train.ProgressBar;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.IntFunction;
import java.util.function.Supplier;
import org.visualchat.autograd.ShardedBackward;
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
    static double[] run(Map<String, Variable> params, double lr, int steps, ProgressBar bar, IntFunction<List<Supplier<Variable>>> shardsOfStep) {
        ParamGroup group = new ParamGroup("all", params, lr, 0.0);
        AdamW optimizer = new AdamW(List.of(group), 0.9f, 0.95f, 1e-6f);
        LrSchedule schedule = LrSchedule.withWarmup(LrSchedule.Kind.COSINE, 0.1, steps);
        double[] losses = new double[steps];
        double running = Double.NaN;
        for (int t = 0; t < steps; t++) {
            group.setLr(lr * schedule.factor(t));
            losses[t] = ShardedBackward.run(shardsOfStep.apply(t));
            GradClip.clipGlobalNorm(params.values(), 1.0);
            optimizer.step();
            optimizer.zeroGrad();
            running = Double.isNaN(running) ? losses[t] : 0.95 * running + 0.05 * losses[t];
            bar.update(t + 1, String.format(Locale.ROOT, "loss %.3f", running));
        }
        bar.finish();
        return losses;
    }

    /** A step whose loss is one shard. */
    static List<Supplier<Variable>> whole(Supplier<Variable> loss) {
        return List.of(loss);
    }
}
