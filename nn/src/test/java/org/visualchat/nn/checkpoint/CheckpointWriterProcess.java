package org.visualchat.nn.checkpoint;

import org.visualchat.autograd.Variable;
import org.visualchat.nn.optim.AdamW;
import org.visualchat.nn.optim.LrSchedule;
import org.visualchat.nn.optim.ParamGroup;
import org.visualchat.nn.optim.Scheduler;
import org.visualchat.tensor.Tensor;

import java.nio.file.Path;
import java.util.Map;

/**
 * Child process of {@link CheckpointCrashTest}: writes the same training checkpoint file over and
 * over, generation k holding parameters all equal to k, and prints "saved k" after each completes.
 * The parent kills it with SIGKILL in the middle of a write.
 */
public final class CheckpointWriterProcess {
    private CheckpointWriterProcess() {}

    public static void main(String[] args) throws Exception {
        Path file = Path.of(args[0]);
        CheckpointCrashTest.Big model = new CheckpointCrashTest.Big();
        AdamW opt = new AdamW(ParamGroup.reference(model.trainableParameters(), 1e-3, 1e-3, 0));
        Scheduler sched = new Scheduler(opt, new LrSchedule(LrSchedule.Kind.CONSTANT, 0, 10));
        for (Variable p : model.namedParameters().values()) p.setGrad(Tensor.full(1f, p.shape()));
        opt.step();   // so the optimizer has moment tensors to save too
        for (long k = 1; k < 10_000; k++) {
            for (Variable p : model.namedParameters().values()) p.setValue(Tensor.full(k, p.shape()));
            TrainingCheckpoint.save(file, model, opt, sched, new TrainingState(k, k, Map.of("data", k), Map.of()), false);
            System.out.println("saved " + k);
            System.out.flush();
        }
    }
}
