package org.visualchat.bench;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.visualchat.autograd.Variable;
import org.visualchat.mmca.attention.MmcaAttention;
import org.visualchat.mmca.attention.MmcaMode;
import org.visualchat.mmca.bench.Threads;
import org.visualchat.tensor.Tensor;

/**
 * The MMCA attention kernel at the demo's stage-3 shard shape (issue 7): 2 conversations of 221 positions
 * (the second 25 shorter, padded), 3 images of 17 tokens each, 4 heads of 16. {@code forward} is inference (no
 * gradient: nothing kept); {@code forwardBackward} is a training call, forward keeping the probabilities and
 * backward to q, k and v. Work per call: forward 4·D·Σ rows' keys ≈ 12.6 MFLOP, backward twice that.
 */
@State(Scope.Benchmark)
public class MmcaAttentionBench extends KernelBenchmark {
    @Param({"strict", "causal"})
    public String mode;

    private static final int BATCH = 2, HEADS = 4, LENGTH = 221, HEAD_DIM = 16, IMAGE_TOKENS = 17;

    private MmcaAttention attention;
    private Tensor q, k, v, gradOut;

    @Setup(Level.Trial)
    public void setup() {
        Threads.check(threads);
        MmcaMode attentionMode = MmcaMode.parse(mode);
        int[][] codes = new int[BATCH][LENGTH];
        for (int b = 0; b < BATCH; b++) {
            int length = LENGTH - 25 * b;
            for (int t = 0; t < length; t++) codes[b][t] = 1;
            for (int image = 0; image < 3; image++) {
                for (int t = 10 + 60 * image; t < 10 + 60 * image + IMAGE_TOKENS; t++) codes[b][t] = attentionMode == MmcaMode.CAUSAL ? 1 : 2;
            }
        }
        attention = MmcaAttention.of(attentionMode, codes);
        q = Tensor.randn(1, 1f, BATCH, HEADS, LENGTH, HEAD_DIM);
        k = Tensor.randn(2, 1f, BATCH, HEADS, LENGTH, HEAD_DIM);
        v = Tensor.randn(3, 1f, BATCH, HEADS, LENGTH, HEAD_DIM);
        gradOut = Tensor.randn(4, 1f, BATCH, HEADS, LENGTH, HEAD_DIM);
    }

    @Benchmark
    public Tensor forward() {
        Tensor[] out = new Tensor[1];
        Threads.call(threads, () -> out[0] = attention.attend(Variable.of(q), Variable.of(k), Variable.of(v)).value());
        return out[0];
    }

    @Benchmark
    public Tensor forwardBackward() {
        Variable qv = Variable.parameter(q), kv = Variable.parameter(k), vv = Variable.parameter(v);
        Threads.call(threads, () -> attention.attend(qv, kv, vv).backward(gradOut));
        return qv.grad();
    }
}
