package org.visualchat.mmca.attention;

import org.junit.jupiter.api.Test;
import org.visualchat.autograd.GradCheck;
import org.visualchat.autograd.Variable;
import org.visualchat.tensor.Tensor;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MmcaAttentionTest {
    /** Code patterns from the reference's checklist item 23, padded with 0 to a common length. */
    static final int[][] PATTERNS = {
            pad(new int[] {1, 1, 2, 2, 1, 1, 0}, 14),
            pad(new int[] {2, 2, 1, 1}, 14),
            pad(new int[] {1, 1, 1, 1, 0, 0}, 14),
            {1, 1, 2, 2, 1, 1, 1, 2, 2, 2, 1, 1, 0, 0},                  // two images in two rounds
    };

    static int[] pad(int[] codes, int length) {
        return Arrays.copyOf(codes, length);
    }

    static float[] random(long seed, int n) {
        return Tensor.randn(seed, 1f, n).toFloatArray();
    }

    static float[] run(MmcaMode mode, int[][] codes, int heads, int kvHeads, int queries, int dim, float[] q, float[] k, float[] v) {
        int b = codes.length, t = codes[0].length;
        Variable out = MmcaAttention.of(mode, codes).attend(
                Variable.of(Tensor.of(q, b, heads, queries, dim)), Variable.of(Tensor.of(k, b, kvHeads, t, dim)), Variable.of(Tensor.of(v, b, kvHeads, t, dim)));
        return out.value().toFloatArray();
    }

    static void assertClose(double[] expected, float[] actual, double tol, String what) {
        assertEquals(expected.length, actual.length, what + " length");
        for (int i = 0; i < expected.length; i++) {
            if (Math.abs(expected[i] - actual[i]) > tol * (1 + Math.abs(expected[i]))) {
                throw new AssertionError(what + " differs at " + i + ": expected " + expected[i] + ", got " + actual[i]);
            }
        }
    }

    static void checkAgainstScalar(MmcaMode mode, int[][] codes, int heads, int kvHeads, int queries, int dim, long seed) {
        int b = codes.length, t = codes[0].length;
        float[] q = random(seed, b * heads * queries * dim), k = random(seed + 1, b * kvHeads * t * dim), v = random(seed + 2, b * kvHeads * t * dim);
        double[] expected = new ScalarMmca(mode, codes, heads, kvHeads, queries, q, k, v).output();
        assertClose(expected, run(mode, codes, heads, kvHeads, queries, dim, q, k, v), 2e-5, mode + " S=" + queries + " T=" + t);
    }

    @Test
    void everyModeMatchesTheScalarRecomputationOnMixedBatchesWithGroupedHeads() {
        for (MmcaMode mode : MmcaMode.values()) {
            checkAgainstScalar(mode, PATTERNS, 4, 2, 14, 5, 11);           // batch of 4 different patterns
            checkAgainstScalar(mode, PATTERNS, 3, 3, 14, 17, 12);          // head dim beyond one vector
        }
    }

    @Test
    void keyBlocksLongerThanOneBlockAgreeWithTheScalarRecomputation() {
        int[] longCodes = new int[150];                                   // several 64-key blocks, max rising late
        for (int i = 0; i < longCodes.length; i++) longCodes[i] = i < 5 ? 1 : i < 70 ? 2 : i < 140 ? 1 : 0;
        for (MmcaMode mode : MmcaMode.values()) checkAgainstScalar(mode, new int[][] {longCodes}, 2, 1, 150, 8, 21);
    }

    @Test
    void kvCacheShapesFollowTheReferenceDecodeAndChunkRules() {
        // Decode (1 query) and chunked prefill (3 queries over 14 keys): no image-row override in
        // reference mode, absolute query positions T − S + i.
        for (MmcaMode mode : MmcaMode.values()) {
            checkAgainstScalar(mode, PATTERNS, 2, 1, 1, 6, 31);
            checkAgainstScalar(mode, PATTERNS, 2, 1, 3, 6, 32);
        }
    }

    @Test
    void scalarOracleReproducesTheDocumentedDegenerateRows() {
        // Reference §2.5.1: codes [1,1,2,2,1,1,0]: query 0's image branch = 1/3 on {0, 2, 3};
        // query 1's = 1/4 on {0, 1, 2, 3}. Checks the oracle itself against the worked example.
        int[][] codes = {{1, 1, 2, 2, 1, 1, 0}};
        ScalarMmca ref = new ScalarMmca(MmcaMode.REFERENCE, codes, 1, 1, 7, random(1, 7 * 4), random(2, 7 * 4), random(3, 7 * 4));
        double[] p0 = ref.probs(0, 0, 0, 0), p1 = ref.probs(0, 0, 1, 0);
        assertTrue(Arrays.equals(p0, new double[] {1 / 3.0, 0, 1 / 3.0, 1 / 3.0, 0, 0, 0}), Arrays.toString(p0));
        assertTrue(Arrays.equals(p1, new double[] {0.25, 0.25, 0.25, 0.25, 0, 0, 0}), Arrays.toString(p1));
        double[] imageQueryImageBranch = ref.probs(0, 0, 3, 0);          // image queries see only themselves
        assertTrue(Arrays.equals(imageQueryImageBranch, new double[] {0, 0, 0, 1, 0, 0, 0}), Arrays.toString(imageQueryImageBranch));
    }

    @Test
    void referenceRowsSumToTwoAndStrictEmptyBranchesContributeZero() {
        // v = 1 everywhere: each output element is the row's total attention mass.
        int[][] codes = {{1, 1, 2, 2, 1, 1, 0}};
        float[] q = random(4, 7 * 3), k = random(5, 7 * 3), ones = new float[7 * 3];
        Arrays.fill(ones, 1f);
        float[] ref = run(MmcaMode.REFERENCE, codes, 1, 1, 7, 3, q, k, ones);
        for (float mass : ref) assertEquals(2f, mass, 1e-6f);
        float[] strict = run(MmcaMode.STRICT, codes, 1, 1, 7, 3, q, k, ones);
        float[] expectedMass = {1, 1, 2, 2, 2, 2, 2};                     // text before the first image: text branch only
        for (int i = 0; i < 7; i++) assertEquals(expectedMass[i], strict[i * 3], 1e-6f, "row " + i);
    }

    @Test
    void strictAndCausalNeverReadAFuturePosition() {
        int[][] codes = {PATTERNS[0], PATTERNS[3]};
        int t = codes[0].length, d = 4, h = 2;
        float[] q = random(6, 2 * h * t * d), k = random(7, 2 * h * t * d), v = random(8, 2 * h * t * d);
        for (MmcaMode mode : new MmcaMode[] {MmcaMode.STRICT, MmcaMode.CAUSAL}) {
            float[] clean = run(mode, codes, h, h, t, d, q, k, v);
            for (int i = 0; i < t; i++) {
                float[] kp = k.clone(), vp = v.clone();
                for (int b = 0; b < 2; b++) for (int hh = 0; hh < h; hh++) for (int j = i + 1; j < t; j++) {
                    Arrays.fill(kp, ((b * h + hh) * t + j) * d, ((b * h + hh) * t + j + 1) * d, Float.NaN);
                    Arrays.fill(vp, ((b * h + hh) * t + j) * d, ((b * h + hh) * t + j + 1) * d, Float.NaN);
                }
                float[] poisoned = run(mode, codes, h, h, t, d, q, kp, vp);
                for (int b = 0; b < 2; b++) for (int hh = 0; hh < h; hh++) for (int c = 0; c < d; c++) {
                    int at = ((b * h + hh) * t + i) * d + c;
                    assertEquals(clean[at], poisoned[at], 0f, mode + " row " + i + " read a future key");
                }
            }
        }
    }

    @Test
    void referenceFallbackRowsDoReadFutureImagesAsTheOriginalDoes() {
        int[][] codes = {{1, 1, 2, 2, 1, 1, 0}};
        float[] q = random(9, 7 * 2), k = random(10, 7 * 2), v = random(11, 7 * 2);
        float[] clean = run(MmcaMode.REFERENCE, codes, 1, 1, 7, 2, q, k, v);
        float[] vp = v.clone();
        vp[2 * 2] += 3f;                                                // change the future image key 2's value
        float[] changed = run(MmcaMode.REFERENCE, codes, 1, 1, 7, 2, q, k, vp);
        assertEquals(clean[0] + 1f, changed[0], 1e-5f, "query 0's image branch averages 3 keys incl. future image 2");
    }

    @Test
    void paddingDoesNotChangeRealRowsAndPadRowsStayFinite() {
        int[] real = {1, 1, 2, 2, 2, 1, 1, 1};
        int d = 4;
        for (MmcaMode mode : MmcaMode.values()) {
            float[] q = random(12, 11 * d), k = random(13, 11 * d), v = random(14, 11 * d);
            float[] padded = run(mode, new int[][] {pad(real, 11)}, 1, 1, 11, d, q, k, v);
            float[] unpadded = run(mode, new int[][] {real}, 1, 1, 8, d, Arrays.copyOf(q, 8 * d), Arrays.copyOf(k, 8 * d), Arrays.copyOf(v, 8 * d));
            for (int i = 0; i < 8 * d; i++) assertEquals(unpadded[i], padded[i], 1e-6f, mode + " element " + i);
            for (float x : padded) assertFalse(Float.isNaN(x) || Float.isInfinite(x), mode + " pad row not finite");
        }
    }

    @Test
    void aBatchEqualsItsSamplesRunAlone() {
        int t = PATTERNS[0].length, d = 3, h = 2;
        float[] q = random(15, 4 * h * t * d), k = random(16, 4 * h * t * d), v = random(17, 4 * h * t * d);
        for (MmcaMode mode : MmcaMode.values()) {
            float[] batch = run(mode, PATTERNS, h, h, t, d, q, k, v);
            int per = h * t * d;
            for (int b = 0; b < 4; b++) {
                float[] alone = run(mode, new int[][] {PATTERNS[b]}, h, h, t, d,
                        Arrays.copyOfRange(q, b * per, (b + 1) * per), Arrays.copyOfRange(k, b * per, (b + 1) * per), Arrays.copyOfRange(v, b * per, (b + 1) * per));
                assertTrue(Arrays.equals(alone, Arrays.copyOfRange(batch, b * per, (b + 1) * per)), mode + " sample " + b);
            }
        }
    }

    /** Backward from kept probabilities and backward computing them again (a call past KEEP_LIMIT) agree; the output is the same bits. */
    @Test
    void keptAndRecomputedProbabilitiesGiveTheSameGradients() {
        int b = PATTERNS.length, t = PATTERNS[0].length, heads = 4, kvHeads = 2, d = 17;
        float[] q = random(31, b * heads * t * d), k = random(32, b * kvHeads * t * d), v = random(33, b * kvHeads * t * d);
        float[] dOut = random(34, b * heads * t * d);
        MmcaKernel.Dims dims = new MmcaKernel.Dims(b, heads, kvHeads, t, t, d);
        for (MmcaMode mode : MmcaMode.values()) {
            float[] keptOut = new float[q.length], recomputedOut = new float[q.length];
            MmcaKernel.Saved kept = MmcaKernel.forward(mode, PATTERNS, dims, q, k, v, keptOut, Long.MAX_VALUE);
            MmcaKernel.Saved recomputed = MmcaKernel.forward(mode, PATTERNS, dims, q, k, v, recomputedOut, 0);
            assertTrue(kept.probs() != null && recomputed.probs() == null, mode.toString());
            assertTrue(Arrays.equals(keptOut, recomputedOut), mode + " output");
            float[][] expected = MmcaKernel.backward(kept, dOut), actual = MmcaKernel.backward(recomputed, dOut);
            for (int g = 0; g < 3; g++) {
                double[] e = new double[expected[g].length];
                for (int i = 0; i < e.length; i++) e[i] = expected[g][i];
                assertClose(e, actual[g], 1e-5, mode + " gradient " + "qkv".charAt(g));
            }
        }
    }

    @Test
    void strictAndCausalGradientsPassFiniteDifferences() {
        int[][] codes = {{1, 2, 2, 1, 1, 0}, {2, 1, 1, 2, 1, 1}};
        for (MmcaMode mode : new MmcaMode[] {MmcaMode.STRICT, MmcaMode.CAUSAL}) {
            GradCheck.check("mmca " + mode, in -> MmcaAttention.of(mode, codes).attend(in[0], in[1], in[2]),
                    GradCheck.randn(41, 2, 4, 6, 3), GradCheck.randn(42, 2, 2, 6, 3), GradCheck.randn(43, 2, 2, 6, 3));
            GradCheck.check("mmca decode " + mode, in -> MmcaAttention.of(mode, codes).attend(in[0], in[1], in[2]),
                    GradCheck.randn(44, 2, 2, 2, 3), GradCheck.randn(45, 2, 1, 6, 3), GradCheck.randn(46, 2, 1, 6, 3));
        }
    }

    @Test
    void referenceGradientsEqualPyTorchAutogradsRuleIncludingFallbackRows() {
        // The reference's fallback rows are flat in the scores, but autograd differentiates score + μ as
        // score + constant; the scalar oracle applies that rule, and v's gradient is also checked by
        // finite differences (the output is linear in v, fallback rows included).
        int[][] codes = {PATTERNS[0], PATTERNS[1]};
        int t = codes[0].length, h = 2, d = 3;
        float[] q = random(51, 2 * h * t * d), k = random(52, 2 * t * d), v = random(53, 2 * t * d), dOut = random(54, 2 * h * t * d);
        Variable qv = Variable.parameter(Tensor.of(q, 2, h, t, d)), kv = Variable.parameter(Tensor.of(k, 2, 1, t, d)), vv = Variable.parameter(Tensor.of(v, 2, 1, t, d));
        MmcaAttention.of(MmcaMode.REFERENCE, codes).attend(qv, kv, vv).backward(Tensor.of(dOut, 2, h, t, d));
        double[][] expected = new ScalarMmca(MmcaMode.REFERENCE, codes, h, 1, t, q, k, v).gradients(dOut);
        assertClose(expected[0], qv.grad().toFloatArray(), 1e-4, "dq");
        assertClose(expected[1], kv.grad().toFloatArray(), 1e-4, "dk");
        assertClose(expected[2], vv.grad().toFloatArray(), 1e-4, "dv");
        Tensor fixedQ = Tensor.of(q, 2, h, t, d), fixedK = Tensor.of(k, 2, 1, t, d);
        GradCheck.check("mmca reference dv", in -> MmcaAttention.of(MmcaMode.REFERENCE, codes).attend(Variable.of(fixedQ), Variable.of(fixedK), in[0]),
                Tensor.of(v, 2, 1, t, d));
    }

    @Test
    void badCodesAndShapesAreNamed() {
        var e = assertThrows(IllegalArgumentException.class, () -> MmcaAttention.of(MmcaMode.STRICT, new int[][] {{1, 3}}));
        assertTrue(e.getMessage().contains("position 1 is 3"), e.getMessage());
        Variable x = Variable.of(Tensor.zeros(1, 1, 3, 2));
        e = assertThrows(IllegalArgumentException.class, () -> MmcaAttention.of(MmcaMode.STRICT, new int[][] {{1, 1}}).attend(x, x, x));
        assertTrue(e.getMessage().contains("length 2 but attention sees 3 keys"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> MmcaMode.parse("fancy"));
        assertTrue(e.getMessage().contains("'fancy'"), e.getMessage());
    }

    @Test
    void viewsAndHalfPrecisionCachesReadLikeTheirDenseCopies() {
        // A KV-cache-like window: [B, Hkv, T, D] narrowed out of [B, Hkv, capacity, D], stored BF16, and a
        // transposed q view; the policy must see exactly what their contiguous F32 copies hold.
        int[][] codes = {{1, 2, 2, 1, 1}, {1, 1, 2, 1, 0}};
        Tensor cacheK = Tensor.randn(61, 1f, 2, 2, 9, 4).to(org.visualchat.tensor.DType.BF16), cacheV = Tensor.randn(62, 1f, 2, 2, 9, 4).to(org.visualchat.tensor.DType.BF16);
        Tensor k = cacheK.narrow(2, 0, 5), v = cacheV.narrow(2, 0, 5);
        Tensor q = Tensor.randn(63, 1f, 2, 2, 4, 4).transpose(1, 2);           // [B, 4 heads, 2 queries, D] as a view
        for (MmcaMode mode : MmcaMode.values()) {
            float[] viewed = MmcaAttention.of(mode, codes).attend(Variable.of(q), Variable.of(k), Variable.of(v)).value().toFloatArray();
            float[] dense = MmcaAttention.of(mode, codes).attend(Variable.of(q.contiguous()), Variable.of(k.to(org.visualchat.tensor.DType.F32).contiguous()),
                    Variable.of(v.to(org.visualchat.tensor.DType.F32).contiguous())).value().toFloatArray();
            assertTrue(Arrays.equals(dense, viewed), mode.toString());
        }
    }
}
