package org.visualchat.mmca.prompt;

import org.junit.jupiter.api.Test;
import org.visualchat.llama.tokenizer.LlamaTokenizer;
import org.visualchat.mmca.testing.Tokenizers;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Invariants on random conversations with our tiny SentencePiece model (no download): labels are -100 exactly
 * outside each round's answer + EOS, the labelled ids decode back to the answer, codes mark exactly the
 * {@code <image>} tokens, markers are numbered 1..n in order, every round starts with BOS and ends with EOS.
 */
class ConversationEncoderPropertyTest {
    private static final String[] WORDS = {"the", "license", "software", "cat", "Größe", "東京", "free", "and", "?",
            "copy", "42", "distribution", "\t", "  ", "ü", "work"};
    private final LlamaTokenizer tok = Tokenizers.tiny();
    private final ConversationEncoder encoder = new ConversationEncoder(tok);

    @Test
    void labelsCodesAndMarkersOnRandomConversations() {
        SplittableRandom random = new SplittableRandom(7);
        for (int trial = 0; trial < 150; trial++) {
            List<Turn> turns = randomTurns(random);
            MarkerNumbering numbering = random.nextBoolean() ? MarkerNumbering.TEXT_LEVEL : MarkerNumbering.TOKEN_LEVEL;
            EncodedConversation e = encoder.encode(turns, numbering);
            String context = "trial " + trial + " " + numbering + " " + turns;
            int images = turns.stream().mapToInt(Turn::newImages).sum();
            assertEquals(images, e.imagePlaceholders(), context);
            for (int i = 0; i < e.length(); i++) {
                assertEquals(e.inputIds()[i] == encoder.imageTokenId(), e.codes()[i] == EncodedConversation.IMAGE, context);
                assertTrue(e.codes()[i] == EncodedConversation.IMAGE || e.codes()[i] == EncodedConversation.TEXT, context);
                assertTrue(e.inputIds()[i] != encoder.markerTokenId(), context);
            }
            for (int r = 0; r < turns.size(); r++) {
                int start = e.roundStarts()[r];
                int end = r + 1 < turns.size() ? e.roundStarts()[r + 1] : e.length();
                assertEquals(tok.bosId(), e.inputIds()[start], context);
                assertEquals(tok.eosId(), e.inputIds()[end - 1], context);
                assertEquals(tok.eosId(), e.labels()[end - 1], context);
                // Labelled positions: one contiguous run ending at the round's EOS.
                int firstLabelled = end - 1;
                while (firstLabelled > start && e.labels()[firstLabelled - 1] != EncodedConversation.IGNORE) firstLabelled--;
                for (int i = start; i < firstLabelled; i++) assertEquals(EncodedConversation.IGNORE, e.labels()[i], context);
                int[] answerIds = Arrays.copyOfRange(e.labels(), firstLabelled, end - 1);
                assertArrayEquals(Arrays.copyOfRange(e.inputIds(), firstLabelled, end - 1), answerIds, context);
                assertEquals(turns.get(r).answer(), tok.decode(answerIds).stripLeading(), context);
                // The instruction part decodes to the rendered, numbered template.
                String prompt = tok.decode(Arrays.copyOfRange(e.inputIds(), start, firstLabelled));
                assertEquals(r == 0, prompt.startsWith("You are a helpful"), context);
            }
            String text = tok.decode(e.inputIds());
            for (int n = 1; n <= images; n++) {
                int at = text.indexOf("### Image " + n + ":");
                assertTrue(at >= 0, context + " lacks marker " + n);
                assertTrue(n == 1 || at > text.indexOf("### Image " + (n - 1) + ":"), context);
            }
            assertFalse(text.contains("### Image " + (images + 1) + ":"), context);
        }
    }

    @Test
    void roundsAreCutAtTheTokenLimitAndKeepTheirEos() {
        ConversationEncoder short16 = new ConversationEncoder(tok, 16);
        String longAnswer = String.join(" ", java.util.Collections.nCopies(40, "software"));
        EncodedConversation e = short16.encode(List.of(new Turn("q", longAnswer, 0)), MarkerNumbering.TEXT_LEVEL);
        assertEquals(17, e.length(), "16 ids kept, then EOS appended (the original's 513 for 512)");
        assertEquals(tok.eosId(), e.inputIds()[16]);
        // The instruction alone is longer than 16 tokens, so every kept position is masked except the EOS.
        for (int i = 0; i < 16; i++) assertEquals(EncodedConversation.IGNORE, e.labels()[i]);
        assertEquals(tok.eosId(), e.labels()[16]);
    }

    @Test
    void anImageCutOffByTheLimitLeavesFewerPlaceholders() {
        ConversationEncoder short8 = new ConversationEncoder(tok, 8);
        EncodedConversation e = short8.encode(List.of(new Turn("q", "a", 2)), MarkerNumbering.TEXT_LEVEL);
        assertTrue(e.imagePlaceholders() < 2, "system prompt fills the 8 tokens before any <image>");
    }

    private static List<Turn> randomTurns(SplittableRandom random) {
        int rounds = 1 + random.nextInt(4), budget = 8;
        List<Turn> turns = new ArrayList<>();
        for (int r = 0; r < rounds; r++) {
            int images = Math.min(budget, random.nextInt(4));
            budget -= images;
            turns.add(new Turn(words(random, 1 + random.nextInt(6)), words(random, 1 + random.nextInt(8)), images));
        }
        return turns;
    }

    private static String words(SplittableRandom random, int n) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < n; i++) s.append(i == 0 ? "" : " ").append(WORDS[random.nextInt(WORDS.length)]);
        return s.toString().strip();
    }
}
