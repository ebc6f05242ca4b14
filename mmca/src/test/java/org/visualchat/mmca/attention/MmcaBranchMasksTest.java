package org.visualchat.mmca.attention;

import org.junit.jupiter.api.Test;
import org.visualchat.autograd.Arith;
import org.visualchat.autograd.Normalization;
import org.visualchat.autograd.Variable;
import org.visualchat.nn.Attention;
import org.visualchat.tensor.Tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * {@link MmcaAttention#branchMasks} states the kernel's visibility as additive masks: Σ_b softmax(S + M_b)·v
 * composed from plain masked softmaxes equals the MMCA kernel in every mode, on the reference's code
 * patterns (pads, text before the first image, two images), for a full sequence and for the last
 * queries of a cache (where REFERENCE and STRICT differ in the image self-only rule).
 */
class MmcaBranchMasksTest {
    @Test
    void masksComposeToTheKernelInEveryMode() {
        int[][] codes = MmcaAttentionTest.PATTERNS;
        int b = codes.length, t = codes[0].length, heads = 4, kvHeads = 2, dim = 8;
        for (MmcaMode mode : MmcaMode.values()) {
            for (int queries : new int[] {t, 3, 1}) {
                Variable q = Variable.of(Tensor.randn(21, 1f, b, heads, queries, dim));
                Variable k = Variable.of(Tensor.randn(22, 1f, b, kvHeads, t, dim)), v = Variable.of(Tensor.randn(23, 1f, b, kvHeads, t, dim));
                MmcaAttention policy = MmcaAttention.of(mode, codes);
                Tensor[] masks = policy.branchMasks(queries, t);
                assertEquals(mode == MmcaMode.CAUSAL ? 1 : 2, masks.length, mode + " branches");
                assertArrayEquals(new int[] {b, 1, queries, t}, masks[0].shape());
                Variable scores = Attention.scores(q, k), probs = null;
                for (Tensor m : masks) {
                    Variable p = Normalization.softmax(scores, m);
                    probs = probs == null ? p : Arith.add(probs, p);
                }
                float[] expected = policy.attend(q, k, v).value().toFloatArray(), actual = Attention.mix(probs, v).value().toFloatArray();
                for (int i = 0; i < expected.length; i++) {
                    if (Math.abs(expected[i] - actual[i]) > 1e-5 * (1 + Math.abs(expected[i]))) {
                        throw new AssertionError(mode + " S=" + queries + ": element " + i + " kernel " + expected[i] + " masks " + actual[i]);
                    }
                }
            }
        }
    }

    @Test
    void referenceFallbackKeysAreFiniteAndStrictHidesThem() {
        int[][] codes = {{1, 1, 2, 2}};   // text queries before the image: their image branch is empty
        Tensor reference = MmcaAttention.of(MmcaMode.REFERENCE, codes).branchMasks(4, 4)[0];
        Tensor strict = MmcaAttention.of(MmcaMode.STRICT, codes).branchMasks(4, 4)[0];
        assertEquals(-Float.MAX_VALUE, reference.get(0, 0, 0, 0), "reference: a past key of the wrong modality is a fallback key");
        assertEquals(Float.NEGATIVE_INFINITY, strict.get(0, 0, 0, 0), "strict: hidden");
        assertEquals(0f, strict.get(0, 0, 2, 2), "an image query sees itself in the image branch");
        assertThrows(IllegalArgumentException.class, () -> MmcaAttention.of(MmcaMode.STRICT, codes).branchMasks(5, 4));
    }
}
