package org.visualchat.mmca.demo;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.visualchat.llama.tokenizer.LlamaTokenizer;
import org.visualchat.mmca.demo.world.Dialogue;
import org.visualchat.mmca.demo.world.DialogueGenerator;
import org.visualchat.mmca.demo.world.Round;
import org.visualchat.mmca.demo.world.Split;
import org.visualchat.mmca.prompt.EncodedConversation;
import org.visualchat.mmca.prompt.PromptTemplate;

class DemoTokenizerTest {
    @TempDir static Path dir;
    static LlamaTokenizer tokenizer;
    static List<Dialogue> dialogues;

    @BeforeAll
    static void build() throws IOException {
        dialogues = new DialogueGenerator(1, Split.TRAIN).next(800);
        tokenizer = DemoTokenizer.build(dir, DemoData.corpus(dialogues));
    }

    @Test
    void everyCorpusWordIsOneTokenAndTextRoundTrips() {
        for (Dialogue d : new DialogueGenerator(2, Split.HELD_OUT).next(100)) {
            for (Round r : d.rounds()) {
                for (String text : List.of(r.question(), r.answer())) {
                    int[] ids = tokenizer.encode(text, false, false);
                    assertEquals(words(text), ids.length, () -> text + " -> " + java.util.Arrays.toString(ids));
                    assertEquals(text, tokenizer.decode(ids));
                }
            }
        }
        String system = PromptTemplate.SYSTEM_PROMPT.strip();
        assertEquals(words(system), tokenizer.encode(system, false, false).length);
    }

    @Test
    void everyWordIsOneTokenWhereTheTrainingPromptPutsIt() {
        // ConversationEncoder tokenizes each round as instruction + answer: the question and the answer each
        // start a line, where a word has no ▁ ("### Answer:\nred").
        for (Dialogue d : new DialogueGenerator(2, Split.HELD_OUT).next(100)) {
            for (Round r : d.rounds()) {
                String text = PromptTemplate.instruction(r.question(), 0, false) + r.answer();
                int[] ids = tokenizer.encode(text, false, false);
                long newlines = text.chars().filter(c -> c == '\n').count();
                assertEquals(words(text) + newlines, ids.length, () -> text + " -> " + java.util.Arrays.stream(ids).mapToObj(tokenizer::piece).toList());
                assertEquals(text, tokenizer.decode(ids));
            }
        }
    }

    /** Runs of letters and digits and runs of punctuation: one token each. */
    private static long words(String text) {
        return java.util.regex.Pattern.compile("[\\p{Alnum}_]+|[^\\p{Alnum}_\\s]+").matcher(text).results().count();
    }

    @Test
    void aNumberIsOneTokenWhateverPunctuationFollowsIt() {
        int two = tokenizer.encode("2", false, false)[0];
        for (String text : List.of("image 2?", "image 2.", "### Image 2:", "image 2")) {
            int[] ids = tokenizer.encode(text, false, false);
            assertTrue(java.util.Arrays.stream(ids).anyMatch(id -> id == two), text + " -> " + java.util.Arrays.toString(ids));
        }
    }

    @Test
    void unknownTextStillEncodesLetterByLetterAndTheVisualChatTokensAreAdded() {
        String text = "Zebra QQ 42 {x}";
        assertEquals(text, tokenizer.decode(tokenizer.encode(text, false, false)));
        int base = tokenizer.vocabSize() - 3;
        assertEquals(base, tokenizer.tokenId("### Image:").orElseThrow());
        assertEquals(base + 1, tokenizer.tokenId("<image>").orElseThrow());
        assertEquals(1, tokenizer.bosId());
        assertEquals(2, tokenizer.eosId());
    }

    @Test
    void captionWordsAreSingleTokens() {
        for (String w : VisualWords.WORDS) assertTrue(tokenizer.tokenId("\u2581" + w).isPresent(), w);
        assertNotNull(new DemoData(tokenizer));
    }

    @Test
    void aCaptionedRowHasOneBagPerEncoderTokenInPlaceOfEachImageAndNoLabelsOnIt() {
        DemoData data = new DemoData(tokenizer);
        Dialogue d = dialogues.stream().filter(x -> x.scenes().size() == 3).findFirst().orElseThrow();
        EncodedConversation e = data.encode(d);
        DemoData.CaptionedRow row = data.captioned(d);
        assertEquals(e.length() + 3 * (VisualWords.TOKENS - 1), row.labels().length);
        int at = 0, image = 0;
        for (int i = 0; i < e.length(); i++) {
            if (e.inputIds()[i] != data.encoder().imageTokenId()) {
                assertEquals(e.inputIds()[i], row.slots()[0][at]);
                for (int k = 1; k < row.slots().length; k++) assertEquals(VisualWords.NONE, row.slots()[k][at]);
                assertEquals(EncodedConversation.TEXT, row.codes()[at]);
                assertEquals(e.labels()[i], row.labels()[at++]);
                continue;
            }
            for (List<String> bag : VisualWords.caption(d.scenes().get(image++))) {
                List<String> words = new java.util.ArrayList<>();
                for (int[] slot : row.slots()) if (slot[at] != VisualWords.NONE) words.add(tokenizer.decode(new int[] {slot[at]}));
                assertEquals(bag, words);
                assertEquals(EncodedConversation.IMAGE, row.codes()[at]);
                assertEquals(EncodedConversation.IGNORE, row.labels()[at++]);
            }
        }
        assertEquals(3, image);
    }

    @Test
    void theFileIsDeterministic() {
        assertEquals(DemoTokenizer.json(DemoData.corpus(dialogues)), DemoTokenizer.json(DemoData.corpus(new DialogueGenerator(1, Split.TRAIN).next(800))));
    }
}
