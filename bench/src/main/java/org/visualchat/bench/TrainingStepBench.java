package org.visualchat.bench;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.visualchat.autograd.Losses;
import org.visualchat.autograd.Variable;
import org.visualchat.autograd.Views;
import org.visualchat.llama.model.LlamaConfig;
import org.visualchat.llama.model.LlamaModel;
import org.visualchat.mmca.bench.Threads;
import org.visualchat.nn.NamePattern;
import org.visualchat.nn.optim.AdamW;
import org.visualchat.nn.optim.ParamGroup;
import org.visualchat.tensor.DType;
import org.visualchat.tensor.Tensor;

import java.util.SplittableRandom;

/**
 * One training step of a 2-layer, dim-256 LLaMA (8 heads, SwiGLU 688, vocab 512; every parameter
 * trainable) on a [4, 128] batch, split in three so the backward/forward ratio can be read off one run:
 * {@code backward ≈ forwardBackward − forward}, optimizer ≈ {@code step − forwardBackward}. A tape-based
 * engine whose backward stays near 2× its forward wastes nothing in recording or in gradient reduction.
 */
@State(Scope.Benchmark)
public class TrainingStepBench extends KernelBenchmark {
    @Param({"4"})
    public int batch;

    @Param({"128"})
    public int seq;

    private LlamaModel model;
    private AdamW optimizer;
    private Tensor ids;
    private Tensor targets;

    @Setup(Level.Trial)
    public void setup() {
        Threads.check(threads);
        int vocab = 512;
        model = LlamaModel.random(LlamaConfig.of(256, 688, 2, 8, 8, vocab), 7, DType.F32);
        model.unfreeze(NamePattern.glob("**"));
        optimizer = new AdamW(ParamGroup.reference(model.trainableParameters(), 1e-3, 1e-3, 0.0));
        SplittableRandom rng = new SplittableRandom(11);
        int[] tokens = new int[batch * seq];
        int[] next = new int[batch * seq];
        for (int i = 0; i < tokens.length; i++) tokens[i] = rng.nextInt(vocab);
        for (int i = 0; i < next.length; i++) next[i] = (i + 1) % seq == 0 ? Losses.IGNORE_INDEX : tokens[i + 1];
        ids = Tensor.ofInts(tokens, batch, seq);
        targets = Tensor.ofInts(next, batch * seq);
    }

    private Variable loss() {
        Variable logits = model.forward(model.embed(ids));
        return Losses.crossEntropy(Views.reshape(logits, batch * seq, -1), targets);
    }

    @Benchmark
    public Variable forward() {
        Variable[] loss = new Variable[1];
        Threads.call(threads, () -> loss[0] = loss());
        return loss[0];
    }

    @Benchmark
    public void forwardBackward() {
        Threads.call(threads, () -> {
            optimizer.zeroGrad();
            loss().backward();
        });
    }

    @Benchmark
    public void step() {
        Threads.call(threads, () -> {
            optimizer.zeroGrad();
            loss().backward();
            optimizer.step();
        });
    }
}
