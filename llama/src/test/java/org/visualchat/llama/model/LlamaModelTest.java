package org.visualchat.llama.model;

import org.junit.jupiter.api.Test;
import org.visualchat.autograd.Arith;
import org.visualchat.autograd.GradCheck;
import org.visualchat.autograd.Lookups;
import org.visualchat.autograd.Reductions;
import org.visualchat.autograd.Variable;
import org.visualchat.autograd.Views;
import org.visualchat.nn.AttentionPolicy;
import org.visualchat.nn.NamePattern;
import org.visualchat.tensor.DType;
import org.visualchat.tensor.Tensor;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LlamaModelTest {
    static double relativeError(Tensor actual, Tensor expected) {
        return Compare.relativeError(actual, expected);
    }

    /** dim 64, 3 layers, 4 heads of 16, 2 KV heads (GQA), FFN 96, odd vocab 67. */
    static final LlamaConfig TINY = LlamaConfig.of(64, 96, 3, 4, 2, 67);

    static Map<String, Tensor> weights(LlamaModel model) {
        Map<String, Tensor> out = new HashMap<>();
        model.namedParameters().forEach((n, p) -> out.put(n, p.value()));
        return out;
    }

    /** max |a − b| / max |b| over all elements. */
    static double relativeError(Tensor actual, double[][][] expected) {
        double maxDiff = 0, maxRef = 0;
        for (int b = 0; b < expected.length; b++)
            for (int s = 0; s < expected[b].length; s++)
                for (int v = 0; v < expected[b][s].length; v++) {
                    maxDiff = Math.max(maxDiff, Math.abs(actual.get(b, s, v) - expected[b][s][v]));
                    maxRef = Math.max(maxRef, Math.abs(expected[b][s][v]));
                }
        return maxDiff / maxRef;
    }


    static double[][][] reference(LlamaModel model, Tensor embeds) {
        NaiveLlama naive = new NaiveLlama(model.config(), weights(model));
        int b = embeds.dim(0), s = embeds.dim(1), d = embeds.dim(2);
        double[][][] out = new double[b][][];
        for (int i = 0; i < b; i++) {
            double[][] e = new double[s][d];
            for (int t = 0; t < s; t++) for (int j = 0; j < d; j++) e[t][j] = embeds.get(i, t, j);
            out[i] = naive.forward(e);
        }
        return out;
    }

    @Test
    void trainingAndInferencePathsMatchTheNaiveReference() {
        LlamaModel model = LlamaModel.random(TINY, 1, DType.F32);
        Tensor embeds = Tensor.randn(2, 1f, 2, 7, 64);
        double[][][] expected = reference(model, embeds);
        Tensor training = model.forward(Variable.of(embeds)).value();
        Tensor inference = model.infer(embeds, model.newCache(2, 16, DType.F32), null);
        assertTrue(relativeError(training, expected) < 2e-5, "training path vs reference: " + relativeError(training, expected));
        assertTrue(relativeError(inference, expected) < 2e-5, "inference path vs reference: " + relativeError(inference, expected));
        assertTrue(relativeError(inference, training) < 1e-5, "inference vs training: " + relativeError(inference, training));
    }

    @Test
    void tiedEmbeddingsUseTheTableAsHead() {
        LlamaConfig tied = new LlamaConfig(32, 48, 1, 2, 1, 1e-5f, 10000f, 41, 64, true);
        LlamaModel model = LlamaModel.random(tied, 4, DType.F32);
        assertTrue(model.namedParameters().get("lm_head.weight") == model.namedParameters().get("model.embed_tokens.weight"));
        Tensor embeds = Tensor.randn(5, 1f, 1, 4, 32);
        assertTrue(relativeError(model.infer(embeds, model.newCache(1, 4, DType.F32), null), reference(model, embeds)) < 2e-5);
    }

    /**
     * One batched decode step over sequences of different lengths, each in its own cache, equals decoding
     * each alone exactly (the same dot products), and leaves each cache as decoding alone does.
     */
    @Test
    void batchedStepOverSeparateCachesEqualsEachSequenceAlone() {
        for (DType type : new DType[] {DType.F32, DType.BF16, DType.Q8_0, DType.Q4_0}) {
            LlamaModel model = LlamaModel.random(TINY, 6, type);
            int[] lengths = {1, 5, 3};
            int b = lengths.length;
            KvCache[] together = new KvCache[b], alone = new KvCache[b];
            for (int i = 0; i < b; i++) {
                Tensor prompt = Tensor.randn(10 + i, 1f, 1, lengths[i], 64);
                together[i] = model.newCache(1, 8, DType.F32);
                alone[i] = model.newCache(1, 8, DType.F32);
                model.infer(prompt, together[i], null);
                model.infer(prompt, alone[i], null);
            }
            for (int step = 0; step < 3; step++) {
                Tensor next = Tensor.randn(20 + step, 1f, b, 1, 64);
                Tensor logits = model.inferEach(next, together, new org.visualchat.nn.AttentionPolicy[b]);
                assertEquals(List.of(b, TINY.vocabSize()), java.util.Arrays.stream(logits.shape()).boxed().toList());
                for (int i = 0; i < b; i++) {
                    Tensor expected = model.inferLast(next.narrow(0, i, 1), alone[i], null);
                    assertArrayEquals(expected.toFloatArray(), logits.narrow(0, i, 1).toFloatArray(), type + " step " + step + " sequence " + i);
                    assertEquals(alone[i].length(), together[i].length());
                }
            }
            assertThrows(IllegalArgumentException.class, () -> model.inferEach(Tensor.randn(1, 1f, 2, 1, 64), together, new org.visualchat.nn.AttentionPolicy[2]));
        }
    }

    @Test
    void incrementalDecodeEqualsFullSequenceForward() {
        LlamaModel model = LlamaModel.random(TINY, 2, DType.F32);
        Tensor embeds = Tensor.randn(3, 1f, 2, 9, 64);
        Tensor full = model.infer(embeds, model.newCache(2, 9, DType.F32), null);
        for (AttentionPolicy policy : new AttentionPolicy[] {null, AttentionPolicy.causal()}) {
            KvCache cache = model.newCache(2, 9, DType.F32);
            Tensor prefill = model.infer(embeds.narrow(1, 0, 4), cache, policy);
            assertEquals(4, cache.length());
            assertTrue(relativeError(prefill, full.narrow(1, 0, 4).contiguous()) < 1e-5);
            for (int t = 4; t < 9; t++) {
                Tensor step = model.inferLast(embeds.narrow(1, t, 1), cache, policy);
                Tensor expected = full.narrow(1, t, 1).contiguous().reshape(2, 67);
                assertTrue(relativeError(step, expected) < 1e-5, "position " + t + " policy " + policy + ": " + relativeError(step, expected));
            }
            assertEquals(9, cache.length());
        }
    }

    /**
     * A conversation keeps its cache between rounds: truncated back to a shared prefix and extended with a
     * different suffix (in chunks and decode steps), it gives what a fresh prefill of prefix + suffix gives,
     * for every new position, and its session reports the same length.
     */
    @Test
    void truncatedCacheExtendedWithANewSuffixEqualsAFreshPrefill() {
        LlamaModel model = LlamaModel.random(TINY, 4, DType.F32);
        Tensor first = Tensor.randn(5, 1f, 1, 10, 64), suffix = Tensor.randn(6, 1f, 1, 7, 64);
        Tensor joined = org.visualchat.tensor.ops.Join.concat(1, first.narrow(1, 0, 6), suffix);       // prefix 6 + suffix 7
        for (AttentionPolicy policy : new AttentionPolicy[] {null, AttentionPolicy.causal()}) {
            Tensor fresh = model.infer(joined, model.newCache(1, 13, DType.F32), policy);
            KvCache cache = model.newCache(1, 16, DType.F32);
            model.infer(first.narrow(1, 0, 8), cache, policy);                                     // a prefill, then decode steps
            for (int t = 8; t < 10; t++) model.inferLast(first.narrow(1, t, 1), cache, policy);
            cache.truncate(6);
            assertEquals(6, cache.length());
            Tensor chunk = model.infer(suffix.narrow(1, 0, 5), cache, policy);                        // positions 6..10 on top of the cache
            assertTrue(relativeError(chunk, fresh.narrow(1, 6, 5).contiguous()) < 1e-5, "chunk after truncation, policy " + policy);
            for (int t = 5; t < 7; t++) {
                Tensor step = model.inferLast(suffix.narrow(1, t, 1), cache, policy);
                assertTrue(relativeError(step, fresh.narrow(1, 6 + t, 1).contiguous().reshape(1, 67)) < 1e-5, "step " + t + ", policy " + policy);
            }
            assertEquals(13, cache.length());
        }
        try (CausalLm.Session session = model.start(16, DType.F32)) {
            session.inferLast(first, null);
            assertEquals(10, session.length());
            session.truncate(6);
            assertEquals(6, session.length());
            Tensor last = session.inferLast(suffix, null);
            Tensor expected = model.inferLast(joined, model.newCache(1, 13, DType.F32), null);
            assertTrue(relativeError(last, expected) < 1e-5, "session: " + relativeError(last, expected));
            IllegalArgumentException beyond = assertThrows(IllegalArgumentException.class, () -> session.truncate(14));
            assertTrue(beyond.getMessage().contains("outside [0, 13]"), beyond.getMessage());
        }
    }

    @Test
    void bf16CacheStaysCloseToF32() {
        LlamaModel model = LlamaModel.random(TINY, 3, DType.F32);
        Tensor embeds = Tensor.randn(4, 1f, 1, 6, 64);
        Tensor f32 = model.infer(embeds, model.newCache(1, 6, DType.F32), null);
        KvCache cache = model.newCache(1, 6, DType.BF16);
        model.infer(embeds.narrow(1, 0, 5), cache, null);
        Tensor last = model.inferLast(embeds.narrow(1, 5, 1), cache, null);
        double err = relativeError(last, f32.narrow(1, 5, 1).contiguous().reshape(1, 67));
        assertTrue(err < 2e-2 && err > 0, "bf16 cache error " + err);
        KvCache viaPolicy = model.newCache(1, 6, DType.BF16);
        model.infer(embeds.narrow(1, 0, 5), viaPolicy, AttentionPolicy.causal());
        Tensor policyLast = model.inferLast(embeds.narrow(1, 5, 1), viaPolicy, AttentionPolicy.causal());
        assertTrue(relativeError(policyLast, last) < 1e-5, "a policy reads the BF16 cache like the fast path");
    }

    @Test
    void prefillForGenerationComputesOnlyTheLastPositionsLogits() {
        // Generation needs the last prompt position's logits only: inferLast narrows to that row before the
        // final norm and lm_head (B rows of logits, not B·S), and must agree with infer's last row.
        LlamaModel model = LlamaModel.random(TINY, 9, DType.F32);
        Tensor embeds = Tensor.randn(10, 1f, 2, 7, 64);
        Tensor all = model.infer(embeds, model.newCache(2, 7, DType.F32), null);
        Tensor last = model.inferLast(embeds, model.newCache(2, 7, DType.F32), null);
        assertArrayEquals(new int[] {2, 67}, last.shape());
        assertTrue(relativeError(last, all.narrow(1, 6, 1).contiguous().reshape(2, 67)) < 1e-5, "inferLast vs infer's last row");
    }

    @Test
    void batchedPrefillEqualsPerSample() {
        LlamaModel model = LlamaModel.random(TINY, 5, DType.F32);
        Tensor embeds = Tensor.randn(6, 1f, 3, 5, 64);
        Tensor batched = model.infer(embeds, model.newCache(3, 5, DType.F32), null);
        for (int b = 0; b < 3; b++) {
            Tensor single = model.infer(embeds.narrow(0, b, 1), model.newCache(1, 5, DType.F32), null);
            assertTrue(relativeError(single, batched.narrow(0, b, 1).contiguous()) < 1e-6, "sample " + b);
        }
    }

    @Test
    void quantizedWeightsRunOnBothPaths() {
        for (DType type : new DType[] {DType.BF16, DType.F16, DType.Q8_0, DType.Q4_0}) {
            LlamaModel model = LlamaModel.random(LlamaConfig.of(64, 96, 2, 4, 2, 67), 7, type);
            Tensor embeds = Tensor.randn(8, 1f, 1, 5, 64);
            double[][][] expected = reference(model, embeds);                   // on the dequantized weights
            Tensor inference = model.infer(embeds, model.newCache(1, 5, DType.F32), null);
            Tensor training = model.forward(Variable.of(embeds)).value();
            assertTrue(relativeError(inference, expected) < 2e-5, type + " inference: " + relativeError(inference, expected));
            assertTrue(relativeError(training, expected) < 2e-5, type + " training: " + relativeError(training, expected));
            KvCache cache = model.newCache(1, 5, DType.F32);
            model.infer(embeds.narrow(1, 0, 4), cache, null);
            Tensor step = model.inferLast(embeds.narrow(1, 4, 1), cache, null);     // one row: the fused matvec path
            assertTrue(relativeError(step, inference.narrow(1, 4, 1).contiguous().reshape(1, 67)) < 1e-5, type + " decode");
        }
    }

    @Test
    void gradientReachesInputEmbeddings() {
        LlamaModel model = LlamaModel.random(LlamaConfig.of(16, 24, 2, 2, 1, 11), 9, DType.F32);
        GradCheck.check("llama logits w.r.t. input embeddings", xs -> model.forward(xs[0]), Tensor.randn(10, 1f, 2, 3, 16));
        assertTrue(model.trainableParameters().isEmpty(), "weights are frozen");
    }

    @Test
    void hiddenAtChosenRowsEqualsTheFullPassAtThoseRowsWithTheSameGradients() {
        Tensor embeds = Tensor.randn(14, 1f, 2, 7, 64), weights = Tensor.randn(15, 1f, 4, 64);
        Tensor positions = LlamaModel.positions(0, 7), rows = Tensor.ofInts(new int[] {1, 4, 8, 13}, 4);
        Map<String, float[]> grads = new HashMap<>();
        float[][] hiddens = new float[2][], inputGrads = new float[2][];
        for (int pass = 0; pass < 2; pass++) {
            LlamaModel model = LlamaModel.random(TINY, 16, DType.F32);
            model.unfreeze(NamePattern.glob("**"));
            Variable x = Variable.parameter(embeds);
            Variable h = pass == 0
                    ? Lookups.embedding(Views.reshape(model.hidden(x, positions, AttentionPolicy.causal()), 14, 64), rows)
                    : model.hiddenAt(x, positions, AttentionPolicy.causal(), rows);
            Reductions.sum(Arith.mul(h, Variable.of(weights))).backward();
            hiddens[pass] = h.value().toFloatArray();
            inputGrads[pass] = x.grad().toFloatArray();
            for (var e : model.trainableParameters().entrySet()) {       // the embedding table and the head are not reached
                float[] g = e.getValue().grad() == null ? null : e.getValue().grad().toFloatArray();
                if (pass == 0) grads.put(e.getKey(), g);
                else assertArrayEquals(grads.get(e.getKey()), g, 1e-5f, e.getKey());
            }
        }
        assertArrayEquals(hiddens[0], hiddens[1], "the same values at the rows, bit for bit");
        assertArrayEquals(inputGrads[0], inputGrads[1], 1e-5f);
        assertTrue(grads.get("model.layers.2.mlp.down_proj.weight") != null, "the trimmed weights get gradients");
    }

    @Test
    void customPolicySeesAllCachedKeys() {
        LlamaModel model = LlamaModel.random(TINY, 11, DType.F32);
        Tensor embeds = Tensor.randn(12, 1f, 1, 6, 64);
        int[] seenKeys = new int[2];
        AttentionPolicy spy = (q, k, v) -> {
            seenKeys[0] = k.dim(2);
            seenKeys[1] = q.dim(2);
            return AttentionPolicy.causal().attend(q, k, v);
        };
        KvCache cache = model.newCache(1, 6, DType.F32);
        model.infer(embeds.narrow(1, 0, 5), cache, spy);
        model.inferLast(embeds.narrow(1, 5, 1), cache, spy);
        assertEquals(6, seenKeys[0], "keys of positions 0..5");
        assertEquals(1, seenKeys[1], "one query");
    }

    @Test
    void badInputsAreRefusedClearly() {
        LlamaModel model = LlamaModel.random(TINY, 13, DType.F32);
        KvCache cache = model.newCache(1, 4, DType.F32);
        IllegalArgumentException full = assertThrows(IllegalArgumentException.class, () -> model.infer(Tensor.zeros(1, 5, 64), cache, null));
        assertTrue(full.getMessage().contains("capacity 4"), full.getMessage());
        IllegalArgumentException width = assertThrows(IllegalArgumentException.class, () -> model.infer(Tensor.zeros(1, 2, 63), cache, null));
        assertTrue(width.getMessage().contains("[batch, seq >= 1, 64]"), width.getMessage());
        IllegalArgumentException batch = assertThrows(IllegalArgumentException.class, () -> model.infer(Tensor.zeros(2, 2, 64), cache, null));
        assertTrue(batch.getMessage().contains("batch 1"), batch.getMessage());
        assertEquals(0, cache.length(), "a refused call leaves the cache as it was");
    }
}
