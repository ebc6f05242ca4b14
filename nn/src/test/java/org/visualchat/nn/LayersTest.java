package org.visualchat.nn;

import org.junit.jupiter.api.Test;
import org.visualchat.autograd.GradCheck;
import org.visualchat.autograd.NoGrad;
import org.visualchat.autograd.Variable;
import org.visualchat.tensor.Tensor;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class LayersTest {
    /** Naive attention in double: softmax over allowed keys j ≤ i (causal) of q_i·k_j/√D, heads grouped h → h / (H/Hkv). */
    private static float[] naiveAttention(Tensor q, Tensor k, Tensor v, boolean causal) {
        int b = q.dim(0), h = q.dim(1), s = q.dim(2), d = q.dim(3), hkv = k.dim(1), t = k.dim(2);
        float[] out = new float[b * h * s * d];
        for (int bi = 0; bi < b; bi++)
            for (int hi = 0; hi < h; hi++) {
                int kh = hi / (h / hkv);
                for (int i = 0; i < s; i++) {
                    double[] w = new double[t];
                    double max = Double.NEGATIVE_INFINITY, sum = 0;
                    int last = causal ? t - s + i : t - 1;
                    for (int j = 0; j <= last; j++) {
                        double dot = 0;
                        for (int c = 0; c < d; c++) dot += (double) q.get(bi, hi, i, c) * k.get(bi, kh, j, c);
                        w[j] = dot / Math.sqrt(d);
                        max = Math.max(max, w[j]);
                    }
                    for (int j = 0; j <= last; j++) sum += w[j] = Math.exp(w[j] - max);
                    for (int c = 0; c < d; c++) {
                        double acc = 0;
                        for (int j = 0; j <= last; j++) acc += w[j] / sum * v.get(bi, kh, j, c);
                        out[((bi * h + hi) * s + i) * d + c] = (float) acc;
                    }
                }
            }
        return out;
    }

    @Test
    void groupedCausalAndFullAttentionMatchANaiveReference() {
        Tensor q = Tensor.randn(1, 1f, 2, 6, 5, 4), k = Tensor.randn(2, 1f, 2, 2, 7, 4), v = Tensor.randn(3, 1f, 2, 2, 7, 4);
        Variable causal = AttentionPolicy.causal().attend(Variable.of(q), Variable.of(k), Variable.of(v));
        assertArrayEquals(naiveAttention(q, k, v, true), causal.value().toFloatArray(), 1e-5f);
        Variable full = AttentionPolicy.full().attend(Variable.of(q), Variable.of(k), Variable.of(v));
        assertArrayEquals(naiveAttention(q, k, v, false), full.value().toFloatArray(), 1e-5f);
    }

    @Test
    void attentionGradientsThroughGroupedHeads() {
        GradCheck.check("causal GQA", x -> AttentionPolicy.causal().attend(x[0], x[1], x[2]),
                GradCheck.strided(4, 1, 4, 3, 2), GradCheck.randn(5, 1, 2, 3, 2), GradCheck.strided(6, 1, 2, 3, 2));
    }

    @Test
    void multiHeadAttentionWithRopeAndGqaGradients() {
        MultiHeadAttention attn = new MultiHeadAttention(MultiHeadAttention.Config.llama(8, 4, 2, 10000f), 7);
        Tensor positions = Tensor.ofInts(new int[] {0, 1, 2}, 3);
        Map<String, Variable> p = attn.namedParameters();
        assertEquals(java.util.List.of("q_proj.weight", "k_proj.weight", "v_proj.weight", "o_proj.weight"), java.util.List.copyOf(p.keySet()));
        GradCheck.check("mha input", x -> attn.forward(x[0], positions), GradCheck.strided(8, 2, 3, 8));
        Variable x = Variable.of(Tensor.randn(9, 1f, 2, 3, 8));
        GradCheck.checkParameters("mha weights", () -> attn.forward(x, positions), attn.parameterList());
    }

    @Test
    void clipStyleAttentionHasBiasesAndOutProj() {
        MultiHeadAttention attn = new MultiHeadAttention(MultiHeadAttention.Config.clip(6, 3), 1);
        assertEquals(8, attn.namedParameters().size());
        GradCheck.check("clip attention", x -> attn.forward(x[0], null, AttentionPolicy.full()), GradCheck.randn(10, 1, 4, 6));
    }

    @Test
    void mlpsAndNormsGradients() {
        GradCheck.check("swiglu", x -> new SwiGluMlp(5, 7, 1).forward(x[0]), GradCheck.strided(11, 3, 5));
        GradCheck.check("quick-gelu mlp", x -> new Mlp(5, 7, Activation.QUICK_GELU, 2).forward(x[0]), GradCheck.randn(12, 2, 5));
        GradCheck.check("layernorm", x -> new LayerNorm(5, 1e-5f).forward(x[0]), GradCheck.randn(13, 3, 5));
        GradCheck.check("rmsnorm", x -> new RmsNorm(5, 1e-5f).forward(x[0]), GradCheck.randn(14, 3, 5));
        assertEquals(Activation.GELU_TANH, Activation.fromConfig("gelu_new"));
        assertThrows(IllegalArgumentException.class, () -> Activation.fromConfig("swish2"));
    }

    @Test
    void dropoutIsSeededInvertedAndOffInEval() {
        Dropout a = new Dropout(0.25f, 42), b = new Dropout(0.25f, 42);
        Variable x = Variable.of(Tensor.full(1f, 4000));
        float[] ya = a.forward(x).value().toFloatArray(), yb = b.forward(x).value().toFloatArray();
        assertArrayEquals(ya, yb);
        int zeros = 0;
        for (float y : ya) {
            if (y == 0) zeros++;
            else assertEquals(1 / 0.75f, y);
        }
        assertEquals(1000, zeros, 80);   // binomial(4000, 0.25): sd ≈ 27
        a.train(false);
        assertArrayEquals(x.value().toFloatArray(), a.forward(x).value().toFloatArray());
    }

    @Test
    void inferenceUnderNoGradKeepsNoGraph() {
        TinyLm lm = new TinyLm(9, 8, 1, 2, 2, 8, 0f, 3);
        try (NoGrad ignored = NoGrad.enter()) {
            Variable logits = lm.logits(Tensor.ofInts(new int[] {1, 2, 3}, 1, 3));
            org.junit.jupiter.api.Assertions.assertFalse(logits.requiresGrad());
        }
    }

    @Test
    void activationCheckpointingReplaysDropoutAndGivesTheSameGradients() {
        Tensor ids = TrainingTest.periodicBatch(2, 6, 9, 3, 1);
        Tensor targets = TrainingTest.nextTokenTargets(ids, 3);
        TinyLm plain = new TinyLm(9, 8, 2, 2, 1, 16, 0.3f, 4), recomputed = new TinyLm(9, 8, 2, 2, 1, 16, 0.3f, 4);
        recomputed.checkpointing = true;
        Variable a = org.visualchat.autograd.Losses.crossEntropy(plain.logits(ids), targets);
        Variable b = org.visualchat.autograd.Losses.crossEntropy(recomputed.logits(ids), targets);
        a.backward();
        b.backward();
        assertEquals(a.value().toFloatArray()[0], b.value().toFloatArray()[0]);
        plain.namedParameters().forEach((n, p) -> assertArrayEquals(p.grad().toFloatArray(), recomputed.namedParameters().get(n).grad().toFloatArray(), 1e-6f, n));
        // The generators end where the plain run's ended, so the next forward draws the same masks too.
        plain.randomSources().forEach((n, r) -> assertEquals(r.randomState(), recomputed.randomSources().get(n).randomState()));
    }
}
