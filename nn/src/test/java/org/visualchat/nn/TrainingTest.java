package org.visualchat.nn;

import org.junit.jupiter.api.Test;
import org.visualchat.autograd.Arith;
import org.visualchat.autograd.Losses;
import org.visualchat.autograd.Variable;
import org.visualchat.nn.optim.AdamW;
import org.visualchat.nn.optim.GradClip;
import org.visualchat.nn.optim.LrSchedule;
import org.visualchat.nn.optim.Optimizer;
import org.visualchat.nn.optim.ParamGroup;
import org.visualchat.nn.optim.Scheduler;
import org.visualchat.tensor.Tensor;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** End-to-end learning: the whole stack (ops, tape, modules, AdamW, schedule, clipping) must reduce a loss. */
class TrainingTest {
    /** Two interleaved spirals (a classic non-linearly-separable 2-class task), 2-D points, labels 0/1. */
    private static Tensor[] spirals(int n, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[] x = new float[2 * n];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            int cls = i % 2;
            double t = 0.5 + 3.0 * rng.nextDouble();
            double angle = t * 2.2 + cls * Math.PI;
            x[2 * i] = (float) (t * Math.cos(angle) / 3.5 + rng.nextGaussian() * 0.02);
            x[2 * i + 1] = (float) (t * Math.sin(angle) / 3.5 + rng.nextGaussian() * 0.02);
            y[i] = cls;
        }
        return new Tensor[] {Tensor.of(x, n, 2), Tensor.ofInts(y, n)};
    }

    static final class Classifier extends Module {
        final Linear in = child("fc_in", new Linear(2, 64, true, 1));
        final Mlp mlp = child("mlp", new Mlp(64, 64, Activation.GELU, 2));
        final LayerNorm norm = child("norm", new LayerNorm(64, 1e-5f));
        final Linear out = child("fc_out", new Linear(64, 2, true, 3));

        Variable forward(Variable x) {
            Variable h = in.forward(x);
            return out.forward(norm.forward(Arith.add(h, mlp.forward(h))));
        }
    }

    /** One optimizer step as the reference's loop takes it: backward, clip to norm 1.0, AdamW, schedule. Returns the loss. */
    static float step(Module model, Optimizer opt, Scheduler sched, Variable loss) {
        opt.zeroGrad();
        loss.backward();
        GradClip.clipGlobalNorm(model.trainableParameters().values(), 1.0);
        opt.step();
        sched.step();
        return loss.value().toFloatArray()[0];
    }

    @Test
    void mlpLearnsTwoSpirals() {
        Tensor[] data = spirals(128, 7);
        Classifier model = new Classifier();
        AdamW opt = new AdamW(ParamGroup.reference(model.trainableParameters(), 1e-2, 1e-2, 0.01));
        Scheduler sched = new Scheduler(opt, LrSchedule.withWarmup(LrSchedule.Kind.COSINE, 0.05, 300));
        float first = step(model, opt, sched, Losses.crossEntropy(model.forward(Variable.of(data[0])), data[1])), last = first;
        for (int step = 1; step < 300; step++) last = step(model, opt, sched, Losses.crossEntropy(model.forward(Variable.of(data[0])), data[1]));
        // ln 2 ≈ 0.69 is chance; a model that separates the spirals gets well under 0.1.
        assertTrue(first > 0.5f, "initial loss " + first);
        assertTrue(last < 0.1f, "final loss " + last + " (initial " + first + ")");
    }

    /** Sequences of the form a b c d a b c d ...: after one period every next token is determined. */
    static Tensor periodicBatch(int batch, int length, int vocab, int period, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        int[] ids = new int[batch * length];
        for (int b = 0; b < batch; b++) {
            int[] motif = new int[period];
            for (int i = 0; i < period; i++) motif[i] = rng.nextInt(vocab);
            for (int t = 0; t < length; t++) ids[b * length + t] = motif[t % period];
        }
        return Tensor.ofInts(ids, batch, length);
    }

    /** Next-token targets [B·S]: ids shifted left, the last position and the first period ignored (-100). */
    static Tensor nextTokenTargets(Tensor ids, int period) {
        int b = ids.dim(0), s = ids.dim(1);
        int[] t = new int[b * s];
        for (int i = 0; i < b; i++) {
            for (int j = 0; j < s; j++) t[i * s + j] = j + 1 < s && j + 1 >= period ? (int) ids.getLong(i, j + 1) : Losses.IGNORE_INDEX;
        }
        return Tensor.ofInts(t, b * s);
    }

    @Test
    void twoLayerTransformerLearnsToContinueAPeriodicSequence() {
        int vocab = 16, period = 3, length = 12;
        TinyLm lm = new TinyLm(vocab, 32, 2, 4, 2, 64, 0f, 11);
        AdamW opt = new AdamW(ParamGroup.reference(lm.trainableParameters(), 1e-2, 1e-2, 0.0));
        Scheduler sched = new Scheduler(opt, LrSchedule.withWarmup(LrSchedule.Kind.COSINE, 0.1, 200));
        float first = Float.NaN, last = Float.NaN;
        for (int step = 0; step < 200; step++) {
            Tensor ids = periodicBatch(8, length, vocab, period, step);
            last = step(lm, opt, sched, Losses.crossEntropy(lm.logits(ids), nextTokenTargets(ids, period)));
            if (step == 0) first = last;
        }
        // Chance is ln 16 ≈ 2.77; copying the token seen one period earlier (an induction head) drives it toward 0.
        assertTrue(first > 2.0f, "initial loss " + first);
        assertTrue(last < 0.3f, "final loss " + last + " (initial " + first + ")");
    }
}
