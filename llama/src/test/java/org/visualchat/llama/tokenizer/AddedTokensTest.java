package org.visualchat.llama.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Added/special tokens as HF's LlamaTokenizerFast (what DS-VisualChat runs) handles them. The reference ids
 * come from HF tokenizers itself (Rust, via DJL), written by src/test/scripts/tokenizer/make-hf-goldens.py.
 */
class AddedTokensTest {
    private static final List<HfTokenizerJson.Added> HF_GOLDEN_TOKENS = List.of(
            new HfTokenizerJson.Added("### Image:", 32000, false, false),
            new HfTokenizerJson.Added("<image>", 32001, false, false),
            new HfTokenizerJson.Added("<PAD>", 32002, false, false),
            new HfTokenizerJson.Added("[L]", 32003, true, false),
            new HfTokenizerJson.Added("[R]", 32004, false, true));

    @Test
    void tokenizerJsonWithAddedTokensMatchesHfTokenizers() throws IOException {
        LlamaTokenizer tokenizer = LlamaTokenizer.load(HfTokenizerJson.fromLlamaTokenizerJs(HF_GOLDEN_TOKENS));
        List<Goldens.Case> cases = Goldens.encodeCases("llama2-hf-added-tokens");
        Goldens.assertAllMatch("HF tokenizers, added tokens (tokenizer.json path)", cases,
                c -> tokenizer.encode(c.text(), false, false));
    }

    @Test
    void modelFileWithVisualChatTokensMatchesHfTokenizers() throws IOException {
        LlamaTokenizer tokenizer = VisualChatTokens.addTo(LlamaTokenizer.load(NpmFixtures.llama2Model()));
        assertEquals(32003, tokenizer.vocabSize());
        assertEquals(32000, tokenizer.tokenId(VisualChatTokens.IMAGE_MARKER).orElseThrow());
        assertEquals(32001, tokenizer.tokenId(VisualChatTokens.IMAGE).orElseThrow());
        assertEquals(32002, tokenizer.tokenId(VisualChatTokens.PAD).orElseThrow());
        List<Goldens.Case> cases = Goldens.encodeCases("llama2-hf-added-tokens").stream()
                .filter(c -> !c.text().contains("[L]") && !c.text().contains("[R]")).toList();
        Goldens.assertAllMatch("HF tokenizers, added tokens (tokenizer.model path)", cases,
                c -> tokenizer.encode(c.text(), false, false));
        // The prompt of one DS-VisualChat round, with the BOS its tokenizer call adds.
        assertArrayEquals(new int[] {1, 32000, 29871, 13, 32001, 29871, 13}, tokenizer.encode("### Image:\n<image>\n", true, false));
        // Legacy LLaMA behaviour: the text after a special token gets its own dummy-prefix "▁", so " there"
        // becomes "▁▁there" = "▁" "▁there" (spm_encode of " there") and decodes with two spaces.
        assertArrayEquals(new int[] {1, 6324, 32001, 29871, 727, 2}, tokenizer.encode("Hi<image> there", true, true));
        assertEquals("Hi<image>  there", tokenizer.decode(tokenizer.encode("Hi<image> there", true, true)));
    }

    /** The same wiring on the committed small model, with no network needed. */
    @Test
    void committedModelSplitsAtSpecialTokens() throws IOException {
        LlamaTokenizer plain = LlamaTokenizer.load(Goldens.committedModel("tiny-llama-bpe"));
        LlamaTokenizer tokenizer = VisualChatTokens.addTo(plain);
        assertEquals(1003, tokenizer.vocabSize());
        int[] newline = plain.encodeOrdinary("\n");
        int[] rest = plain.encodeOrdinary("\nhello world");
        assertArrayEquals(concat(new int[] {1, 1000}, newline, new int[] {1001}, rest, new int[] {2}),
                tokenizer.encode("### Image:\n<image>\nhello world", true, true));
        // SentencePiece proper does not know added tokens: there they are characters.
        assertArrayEquals(plain.encodeOrdinary("<image>"), tokenizer.encodeOrdinary("<image>"));
        // Literal <s> is the BOS token in encode(), characters in encodeOrdinary().
        assertArrayEquals(new int[] {1}, plain.encode("<s>", false, false));
        assertTrue(Arrays.stream(plain.encodeOrdinary("<s>")).noneMatch(id -> id == 1));
    }

    @Test
    void addingKnownTokensKeepsTheirIds() throws IOException {
        LlamaTokenizer plain = LlamaTokenizer.load(Goldens.committedModel("tiny-llama-bpe"));
        int the = plain.tokenId("▁the").orElseThrow();
        LlamaTokenizer tokenizer = plain.withSpecialTokens("▁the", "<new>", "<new>", "<s>");
        assertEquals(plain.vocabSize() + 1, tokenizer.vocabSize());
        assertEquals(the, tokenizer.tokenId("▁the").orElseThrow());
        assertEquals(plain.vocabSize(), tokenizer.tokenId("<new>").orElseThrow());
        assertEquals(1, tokenizer.tokenId("<s>").orElseThrow());
        assertEquals("<new>", tokenizer.piece(plain.vocabSize()));
        assertArrayEquals(new int[] {plain.vocabSize(), the}, tokenizer.encode("<new>▁the", false, false));
    }

    private static int[] concat(int[]... parts) {
        return Arrays.stream(parts).flatMapToInt(Arrays::stream).toArray();
    }
}
