package org.visualchat.nn;

import org.visualchat.autograd.Losses;
import org.visualchat.autograd.NoGrad;
import org.visualchat.autograd.Variable;
import org.visualchat.nn.optim.AdamW;
import org.visualchat.nn.optim.ParamGroup;
import org.visualchat.tensor.Tensor;

/**
 * Timing of one training step of a 2-layer, dim-256 LLaMA-shaped transformer (forward, backward,
 * AdamW), and the backward/forward time ratio. A plain main, not a test (tests never time anything):
 * <pre>
 *   java --add-modules jdk.incubator.vector -cp ... org.visualchat.nn.TrainingStepBenchmark [batch] [seq] [steps]
 * </pre>
 * Forward, backward and optimizer are timed separately in the same run, after warm-up steps; a
 * forward under NoGrad is timed too, to show what recording the tape costs.
 */
public final class TrainingStepBenchmark {
    private TrainingStepBenchmark() {}

    public static void main(String[] args) {
        int batch = args.length > 0 ? Integer.parseInt(args[0]) : 4;
        int seq = args.length > 1 ? Integer.parseInt(args[1]) : 128;
        int steps = args.length > 2 ? Integer.parseInt(args[2]) : 10;
        int vocab = 512, dim = 256;
        TinyLm lm = new TinyLm(vocab, dim, 2, 8, 8, 688, 0f, 1);
        AdamW opt = new AdamW(ParamGroup.reference(lm.trainableParameters(), 1e-3, 1e-3, 0.0));
        Tensor ids = TrainingTest.periodicBatch(batch, seq, vocab, 7, 3);
        Tensor targets = TrainingTest.nextTokenTargets(ids, 7);
        int warmup = Math.max(3, steps);   // Vector API code is slow until C2 has compiled it
        long fwd = 0, bwd = 0, step = 0, inference = 0;
        for (int i = 0; i < warmup + steps; i++) {
            long t0 = System.nanoTime();
            Variable loss = Losses.crossEntropy(lm.logits(ids), targets);
            long t1 = System.nanoTime();
            opt.zeroGrad();
            loss.backward();
            long t2 = System.nanoTime();
            opt.step();
            long t3 = System.nanoTime();
            try (NoGrad ignored = NoGrad.enter()) {
                Losses.crossEntropy(lm.logits(ids), targets);
            }
            long t4 = System.nanoTime();
            if (i >= warmup) {
                fwd += t1 - t0;
                bwd += t2 - t1;
                step += t3 - t2;
                inference += t4 - t3;
            }
        }
        System.out.printf("2-layer dim-%d transformer, batch %d × seq %d, %d params, %d timed steps%n", dim, batch, seq, lm.parameterCount(false), steps);
        System.out.printf("forward %.1f ms, backward %.1f ms, AdamW %.1f ms, step total %.1f ms%n",
                fwd / 1e6 / steps, bwd / 1e6 / steps, step / 1e6 / steps, (fwd + bwd + step) / 1e6 / steps);
        System.out.printf("backward/forward = %.2f; recorded/NoGrad forward = %.2f%n", (double) bwd / fwd, (double) fwd / inference);
    }
}
