package org.visualchat.nn;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.visualchat.autograd.Losses;
import org.visualchat.autograd.Variable;
import org.visualchat.nn.checkpoint.StateDict;
import org.visualchat.nn.checkpoint.TrainingCheckpoint;
import org.visualchat.nn.checkpoint.TrainingState;
import org.visualchat.nn.optim.AdamW;
import org.visualchat.nn.optim.LrSchedule;
import org.visualchat.nn.optim.ParamGroup;
import org.visualchat.nn.optim.Scheduler;
import org.visualchat.tensor.DType;
import org.visualchat.tensor.Tensor;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Stopping, checkpointing and resuming a seeded run continues it bit for bit. */
class ResumeTest {
    private static final int VOCAB = 13, STEPS = 10, STOP = 4;

    /** Everything a run holds; the model has dropout, mixed precision on the embedding, and gradient clipping. */
    private static final class Run {
        final TinyLm lm;
        final AdamW opt;
        final Scheduler sched;
        long dataPosition;

        Run(long initSeed) {
            lm = new TinyLm(VOCAB, 16, 2, 4, 2, 32, 0.1f, initSeed);
            Variable embed = lm.namedParameters().get("model.embed_tokens.weight");
            embed.setValue(embed.value().to(DType.BF16));
            opt = new AdamW(ParamGroup.reference(lm.trainableParameters(), 5e-3, 1e-3, 0.01));
            sched = new Scheduler(opt, LrSchedule.withWarmup(LrSchedule.Kind.COSINE, 0.2, STEPS));
        }

        void train(int steps) {
            for (int i = 0; i < steps; i++) {
                Tensor ids = TrainingTest.periodicBatch(2, 9, VOCAB, 3, 1000 + dataPosition);
                TrainingTest.step(lm, opt, sched, Losses.crossEntropy(lm.logits(ids), TrainingTest.nextTokenTargets(ids, 3)));
                dataPosition++;
            }
        }
    }

    @Test
    void resumedRunIsBitIdenticalToAnUninterruptedOne(@TempDir Path dir) throws Exception {
        Run straight = new Run(5);
        straight.train(STEPS);

        Run first = new Run(5);
        first.train(STOP);
        Path file = dir.resolve("checkpoint.safetensors");
        TrainingCheckpoint.save(file, first.lm, first.opt, first.sched, new TrainingState(STOP, first.dataPosition), false);

        Run resumed = new Run(77);   // different initialisation and dropout seeds: everything must come from the file
        TrainingState state = TrainingCheckpoint.load(file, resumed.lm, resumed.opt, resumed.sched);
        assertEquals(STOP, state.step());
        resumed.dataPosition = state.dataPosition();
        resumed.train(STEPS - STOP);

        straight.lm.namedParameters().forEach((n, p) -> {
            Tensor other = resumed.lm.namedParameters().get(n).value();
            assertEquals(p.value().dtype(), other.dtype(), n);
            assertArrayEquals(bits(p.value()), bits(other), n);
        });
        straight.opt.state().tensors().forEach((n, t) -> assertArrayEquals(bits(t), bits(resumed.opt.state().tensors().get(n)), n));
        assertEquals(straight.opt.groups().get(0).lr(), resumed.opt.groups().get(0).lr());
    }

    @Test
    void aPlainStateDictIsNotATrainingCheckpoint(@TempDir Path dir) throws Exception {
        Run run = new Run(1);
        Path file = dir.resolve("weights.safetensors");
        StateDict.save(run.lm, file, false);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TrainingCheckpoint.load(file, run.lm, run.opt, run.sched));
        assertEquals(true, e.getMessage().contains("not a training checkpoint"));
    }

    private static int[] bits(Tensor t) {
        float[] v = t.to(DType.F32).toFloatArray();
        int[] b = new int[v.length];
        for (int i = 0; i < v.length; i++) b[i] = Float.floatToRawIntBits(v[i]);
        return b;
    }
}
