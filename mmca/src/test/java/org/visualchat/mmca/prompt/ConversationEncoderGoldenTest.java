package org.visualchat.mmca.prompt;

import org.junit.jupiter.api.Test;
import org.visualchat.llama.tokenizer.LlamaTokenizer;
import org.visualchat.mmca.testing.Tokenizers;

import java.util.List;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Token ids with Meta's LLaMA-2 tokenizer, derived by hand from SentencePiece pieces (each piece checked with
 * {@code spm_encode} on single lines; "\n" is byte piece {@code <0x0A>} = 13). The stretches around the added
 * tokens agree with HF tokenizers' output in the llama module's {@code llama2-hf-added-tokens-golden.jsonl.gz}
 * (e.g. the system prompt + {@code "### Image:\n<image>\n\n### Question:..."} line, and
 * {@code "### Image 1:\n<image>\n"} → 835 7084 29871 29896 29901 13 32001 29871 13). What matters is around the added
 * tokens: each stretch between {@code ### Image:} (32000) / {@code <image>} (32001) gets its own dummy-prefix
 * "▁" (29871 before a newline), and the two numbering paths tokenize {@code ### Image 1:} differently.
 */
class ConversationEncoderGoldenTest {
    private static final int BOS = 1, EOS = 2, IMAGE = 32001, I = EncodedConversation.IGNORE;
    /** "You are a helpful ... natural language.\n\n" as one stretch after BOS. */
    private static final int[] SYSTEM = {887, 526, 263, 8444, 4086, 322, 18551, 20255, 29889, 887, 526, 2221, 304,
            2274, 278, 7604, 2793, 393, 278, 1404, 8128, 29892, 322, 6985, 278, 1404, 411, 263, 12875, 310, 9595, 773,
            5613, 4086, 29889, 13, 13};
    /** "▁" "\n" "\n" "##" "#" "▁Question" ":" "\n" "What" "▁is" "▁it" "?" "\n" "\n" "##" "#" "▁Answer" ":" "\n". */
    private static final int[] QUESTION_AFTER_IMAGE = {29871, 13, 13, 2277, 29937, 894, 29901, 13, 5618, 338, 372,
            29973, 13, 13, 2277, 29937, 673, 29901, 13};
    /** "A" "▁cat" "." right after "### Answer:\n" (same stretch, so no "▁" on "A"). */
    private static final int[] ANSWER = {29909, 6635, 29889};
    /** spm_encode "### Image 1:" = "▁###" "▁Image" "▁" "1" ":". */
    private static final int[] MARKER_1 = {835, 7084, 29871, 29896, 29901};
    private static final int[] MARKER_2 = {835, 7084, 29871, 29906, 29901};

    private final LlamaTokenizer tok = Tokenizers.llama2();
    private final ConversationEncoder encoder = new ConversationEncoder(tok);

    @Test
    void addedTokenIdsAndVocabulary() {
        assertEquals(32003, tok.vocabSize());
        assertEquals(32000, encoder.markerTokenId());
        assertEquals(IMAGE, encoder.imageTokenId());
        assertArrayEquals(MARKER_1, encoder.numberedMarkerIds(1));
        assertArrayEquals(MARKER_2, encoder.numberedMarkerIds(2));
        assertArrayEquals(new int[] {835, 7084, 29871, 29947, 29901}, encoder.numberedMarkerIds(8));
    }

    @Test
    void tokenLevelThreeRoundsTwoImages() {
        EncodedConversation e = encoder.encode(List.of(new Turn("What is it?", "A cat.", 1),
                new Turn("What is it?", "A cat.", 1), new Turn("What is it?", "A cat.", 0)), MarkerNumbering.TOKEN_LEVEL);
        int[] round1 = cat(new int[] {BOS}, SYSTEM, MARKER_1, new int[] {29871, 13, IMAGE}, QUESTION_AFTER_IMAGE, ANSWER, new int[] {EOS});
        int[] round2 = cat(new int[] {BOS}, MARKER_2, new int[] {29871, 13, IMAGE}, QUESTION_AFTER_IMAGE, ANSWER, new int[] {EOS});
        int[] round3 = cat(new int[] {BOS, 835, 894, 29901, 13, 5618, 338, 372, 29973, 13, 13, 2277, 29937, 673, 29901, 13},
                ANSWER, new int[] {EOS});
        assertArrayEquals(cat(round1, round2, round3), e.inputIds());
        assertArrayEquals(new int[] {0, round1.length, round1.length + round2.length}, e.roundStarts());
        assertArrayEquals(cat(ignored(round1.length - 4), ANSWER, new int[] {EOS}, ignored(round2.length - 4), ANSWER,
                new int[] {EOS}, ignored(round3.length - 4), ANSWER, new int[] {EOS}), e.labels());
        int[] codes = IntStream.of(e.inputIds()).map(id -> id == IMAGE ? 2 : 1).toArray();
        assertArrayEquals(codes, e.codes());
        assertEquals(2, e.imagePlaceholders());
    }

    @Test
    void textLevelNumbersBeforeTokenizing() {
        EncodedConversation e = encoder.encode(List.of(new Turn("What is it?", "A cat.", 1),
                new Turn("What is it?", "A cat.", 1)), MarkerNumbering.TEXT_LEVEL);
        // "language.\n\n### Image 1:\n" is one stretch: "\n" "\n" "##" "#" "▁Image" "▁" "1" ":" "\n".
        int[] system = java.util.Arrays.copyOf(SYSTEM, SYSTEM.length - 2);
        int[] round1 = cat(new int[] {BOS}, system, new int[] {13, 13, 2277, 29937, 7084, 29871, 29896, 29901, 13, IMAGE},
                QUESTION_AFTER_IMAGE, ANSWER, new int[] {EOS});
        // Round 2 starts with "### Image 2:\n" after BOS: dummy prefix gives "▁###".
        int[] round2 = cat(new int[] {BOS, 835, 7084, 29871, 29906, 29901, 13, IMAGE}, QUESTION_AFTER_IMAGE, ANSWER, new int[] {EOS});
        assertArrayEquals(cat(round1, round2), e.inputIds());
        assertArrayEquals(cat(ignored(round1.length - 4), ANSWER, new int[] {EOS}, ignored(round2.length - 4), ANSWER,
                new int[] {EOS}), e.labels());
    }

    @Test
    void chatPromptIsTheInstructionWithBosAndNoEos() {
        int[] prompt = encoder.encodePrompt("What is it?", 1, false, 1);
        assertArrayEquals(cat(new int[] {BOS, 835, 7084, 29871, 29906, 29901, 13, IMAGE}, QUESTION_AFTER_IMAGE), prompt);
    }

    private static int[] ignored(int n) {
        int[] a = new int[n];
        java.util.Arrays.fill(a, I);
        return a;
    }

    private static int[] cat(int[]... parts) {
        return java.util.Arrays.stream(parts).flatMapToInt(IntStream::of).toArray();
    }
}
