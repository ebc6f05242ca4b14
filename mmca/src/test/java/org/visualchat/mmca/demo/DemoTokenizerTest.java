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
                    assertEquals(text.split(" ").length, ids.length, () -> text + " -> " + java.util.Arrays.toString(ids));
                    assertEquals(text, tokenizer.decode(ids));
                }
            }
        }
        String system = PromptTemplate.SYSTEM_PROMPT.strip();
        assertEquals(system.split(" ").length, tokenizer.encode(system, false, false).length);
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
    void theFileIsDeterministic() {
        assertEquals(DemoTokenizer.json(DemoData.corpus(dialogues)), DemoTokenizer.json(DemoData.corpus(new DialogueGenerator(1, Split.TRAIN).next(800))));
    }
}
