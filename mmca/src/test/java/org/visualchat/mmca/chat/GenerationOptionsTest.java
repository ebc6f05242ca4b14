package org.visualchat.mmca.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The chat's decoding options: what reaches llama's sampler, and the REPL's /set names. */
class GenerationOptionsTest {

    @Test
    void greedyWithoutAPenaltyIsPlainArgmaxAndAPenaltyReachesGreedyDecoding() {
        assertNull(new GenerationOptions(8, 0, 1, 0).sampler(), "plain greedy needs no sampler");
        GenerationOptions penalized = new GenerationOptions(8, 0, 0, 1, 2, 0);
        // Token 0 leads (2.0 vs 1.5) until it has been generated once: 2.0 / 2 = 1.0 < 1.5.
        assertEquals(0, penalized.sampler().sample(new float[] {2f, 1.5f}, new int[0]));
        assertEquals(1, penalized.sampler().sample(new float[] {2f, 1.5f}, new int[] {0}));
    }

    @Test
    void setNamesEveryOptionAndChecksTheValue() {
        GenerationOptions o = GenerationOptions.GREEDY.with("repetition_penalty", "1.25").with("top_k", "20");
        assertEquals(1.25, o.repetitionPenalty());
        assertTrue(o.toString().endsWith("top_k=20 top_p=1.0 seed=123 repetition_penalty=1.25"), o.toString());
        var e = assertThrows(IllegalArgumentException.class, () -> o.with("repetition_penalty", "0"));
        assertEquals("repetition_penalty must be > 0 (1 = off), got 0.0", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> o.with("beam", "4"));
        assertTrue(e.getMessage().contains("repetition_penalty)"), e.getMessage());
    }
}
