package org.visualchat.parallel.zero;

import java.util.ArrayList;
import java.util.List;
import org.visualchat.autograd.Variable;
import org.visualchat.nn.optim.AdamW;
import org.visualchat.nn.optim.GradClip;
import org.visualchat.nn.optim.ParamGroup;
import org.visualchat.parallel.ProcessGroup;
import org.visualchat.parallel.ReduceOp;

/** The data-parallel loop the ZeRO tests share: rank r takes its equal part of each global micro-batch. */
final class ZeroTraining {
    static final double LR = 0.01, EMBED_LR = 0.02, WD = 0.01, CLIP = 0.5;

    private ZeroTraining() {}

    static List<ParamGroup> groups(TinyVisualChat m) {
        return ParamGroup.reference(m.trainableParameters(), LR, EMBED_LR, WD);
    }

    /**
     * The plain single-process loop the ZeRO runs must match: every micro-step on the whole global batch,
     * gradients accumulated, clipped, one AdamW step. Records losses and pre-clip norms when the lists are non-null.
     */
    static void singleProcess(TinyVisualChat m, AdamW opt, int steps, int accumulation, int globalBatch, List<Double> losses, List<Double> norms) {
        for (int step = 0; step < steps; step++) {
            for (int k = 0; k < accumulation; k++) {
                long micro = (long) step * accumulation + k;
                Variable loss = m.loss(TinyVisualChat.Runner.DIRECT, TinyVisualChat.pixels(micro, 0, globalBatch),
                        TinyVisualChat.ids(micro, 0, globalBatch, 0), TinyVisualChat.ids(micro, 0, globalBatch, 1));
                if (losses != null) losses.add((double) loss.value().get());
                loss.backward();
            }
            double norm = GradClip.clipGlobalNorm(m.trainableParameters().values(), CLIP);
            if (norms != null) norms.add(norm);
            opt.step();
            opt.zeroGrad();
        }
    }

    /** Steps [from, to) with {@code accumulation} micro-steps each; returns the global mean loss of every micro-step. */
    static List<Double> run(ProcessGroup pg, ZeroEngine zero, TinyVisualChat m, int from, int to, int accumulation, int globalBatch,
                            List<Double> norms) {
        if (globalBatch % pg.size() != 0) throw new IllegalArgumentException("global batch " + globalBatch + " over " + pg.size() + " ranks");
        int per = globalBatch / pg.size(), first = pg.rank() * per;
        List<Double> losses = new ArrayList<>();
        for (int step = from; step < to; step++) {
            for (int k = 0; k < accumulation; k++) {
                long micro = (long) step * accumulation + k;
                Variable loss = m.loss(zero::forward, TinyVisualChat.pixels(micro, first, per),
                        TinyVisualChat.ids(micro, first, per, 0), TinyVisualChat.ids(micro, first, per, 1));
                losses.add((double) pg.allReduce(loss.value().get(), ReduceOp.AVG));
                zero.backward(loss, k == accumulation - 1);
            }
            double norm = zero.step();
            if (norms != null) norms.add(norm);
        }
        return losses;
    }
}
