package org.visualchat.mmca.demo;

import org.visualchat.mmca.train.ProgressBar;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.IntFunction;
import org.visualchat.autograd.Variable;
import org.visualchat.nn.optim.AdamW;
import org.visualchat.nn.optim.GradClip;
import org.visualchat.nn.optim.LrSchedule;
import org.visualchat.nn.optim.ParamGroup;

/**
 * The demo's optimisation loop, shared by its three stages: AdamW with the reference's betas (0.9, 0.95)
 * and eps 1e-6, 10 % linear warmup then cosine decay to 0 (reference §5.2), global gradient-norm clip 1.0,
 * one batch per step, with a progress bar showing a running mean of the loss.
 */
final class TrainLoop {
    private TrainLoop() {}

    /** Runs {@code steps} steps; {@code lossOfStep} builds step {@code t}'s batch and returns its loss. Returns the final running loss. */
    static double run(Map<String, Variable> params, double lr, int steps, ProgressBar bar, IntFunction<Variable> lossOfStep) {
        ParamGroup group = new ParamGroup("all", params, lr, 0.0);
        AdamW optimizer = new AdamW(List.of(group), 0.9f, 0.95f, 1e-6f);
        LrSchedule schedule = LrSchedule.withWarmup(LrSchedule.Kind.COSINE, 0.1, steps);
        double running = Double.NaN;
        for (int t = 0; t < steps; t++) {
            group.setLr(lr * schedule.factor(t));
            Variable loss = lossOfStep.apply(t);
            loss.backward();
            GradClip.clipGlobalNorm(params.values(), 1.0);
            optimizer.step();
            optimizer.zeroGrad();
            double value = loss.value().toFloatArray()[0];
            running = Double.isNaN(running) ? value : 0.95 * running + 0.05 * value;
            bar.update(t + 1, String.format(Locale.ROOT, "loss %.3f", running));
        }
        bar.finish();
        return running;
    }
}
