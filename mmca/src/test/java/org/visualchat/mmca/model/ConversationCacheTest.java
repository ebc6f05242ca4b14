package org.visualchat.mmca.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.visualchat.llama.model.CausalLm;
import org.visualchat.llama.model.LlamaConfig;
import org.visualchat.llama.model.LlamaModel;
import org.visualchat.mmca.attention.MmcaMode;
import org.visualchat.nn.AttentionPolicy;
import org.visualchat.tensor.DType;
import org.visualchat.tensor.Tensor;
import org.visualchat.tensor.ops.Join;

class ConversationCacheTest {
    private static final int[] CODES = {1, 1, 2, 2, 2, 1, 1, 2, 2, 1, 1, 1};

    /** max |a − e| / max |e|. */
    private static double relativeError(Tensor actual, Tensor expected) {
        float[] a = actual.toFloatArray(), e = expected.toFloatArray();
        double diff = 0, ref = 0;
        for (int i = 0; i < a.length; i++) {
            diff = Math.max(diff, Math.abs(a[i] - e[i]));
            ref = Math.max(ref, Math.abs(e[i]));
        }
        return diff / ref;
    }

    private static int[] codes(int... extra) {
        int[] c = java.util.Arrays.copyOf(CODES, CODES.length + extra.length);
        System.arraycopy(extra, 0, c, CODES.length, extra.length);
        return c;
    }

    /** Round 1, a decode step, then round 2 = round 1 + that token + 4 new positions: only the 4 run, as a fresh prefill gives. */
    @Test
    void keepsTheSharedPrefixAndMatchesAFreshPrefill() {
        LlamaModel lm = TinyModels.llama(1);
        Tensor first = Tensor.randn(2, 1f, 1, 12, TinyModels.HIDDEN), token = Tensor.randn(3, 1f, 1, 1, TinyModels.HIDDEN);
        Tensor next = Join.concat(1, first, token, Tensor.randn(4, 1f, 1, 4, TinyModels.HIDDEN));
        int[] nextCodes = codes(1, 1, 2, 2, 1);
        for (MmcaMode mode : MmcaMode.values()) {
            try (ConversationCache cache = new ConversationCache(lm, mode); ConversationCache fresh = new ConversationCache(lm, mode)) {
                cache.prefill(first, CODES, 4);
                cache.append(token);
                Tensor logits = cache.prefill(next, nextCodes, 4);
                // Reference re-runs everything: the text before the first image averages over the new image (§2.5.1).
                assertEquals(mode == MmcaMode.REFERENCE ? 0 : 13, cache.reused(), mode.id());
                Tensor expected = fresh.prefill(next, nextCodes, 4);
                assertTrue(relativeError(logits, expected) < 1e-5, mode.id() + ": " + relativeError(logits, expected));
                Tensor changed = next.copy();
                Tensor.randn(5, 1f, 1, 1, TinyModels.HIDDEN).copyTo(changed.narrow(1, 7, 1));
                Tensor again = cache.prefill(changed, nextCodes, 4);
                assertEquals(mode == MmcaMode.REFERENCE ? 0 : 7, cache.reused(), mode.id() + ": a changed row ends the shared prefix");
                assertTrue(relativeError(again, new ConversationCache(lm, mode).prefill(changed, nextCodes, 4)) < 1e-5, mode.id());
            }
        }
    }

    /** A run that fails part-way may have written the session: the next prompt runs from scratch. */
    @Test
    void aFailedRunDropsTheCache() {
        LlamaModel lm = TinyModels.llama(2);
        boolean[] fail = {false};
        CausalLm flaky = new CausalLm() {
            @Override public LlamaConfig config() { return lm.config(); }

            @Override public Tensor embedTokens(Tensor ids) { return lm.embedTokens(ids); }

            @Override public Session start(int capacity, DType cacheType) {
                Session inner = lm.start(capacity, cacheType);
                return new Session() {
                    @Override public Tensor inferLast(Tensor embeds, AttentionPolicy policy) {
                        if (fail[0]) throw new IllegalStateException("device lost");
                        return inner.inferLast(embeds, policy);
                    }

                    @Override public Tensor inferToken(int id, AttentionPolicy policy) { return inner.inferToken(id, policy); }

                    @Override public int length() { return inner.length(); }

                    @Override public void truncate(int newLength) { inner.truncate(newLength); }
                };
            }
        };
        Tensor prompt = Tensor.randn(6, 1f, 1, 12, TinyModels.HIDDEN);
        try (ConversationCache cache = new ConversationCache(flaky, MmcaMode.STRICT)) {
            cache.prefill(prompt, CODES, 2);
            fail[0] = true;
            assertThrows(IllegalStateException.class, () -> cache.append(Tensor.randn(7, 1f, 1, 1, TinyModels.HIDDEN)));
            fail[0] = false;
            cache.prefill(prompt, CODES, 2);
            assertEquals(0, cache.reused());
            IllegalArgumentException shape = assertThrows(IllegalArgumentException.class, () -> cache.prefill(prompt, codes(1), 2));
            assertTrue(shape.getMessage().contains("with L codes"), shape.getMessage());
        }
    }
}
