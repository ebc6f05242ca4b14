package org.visualchat.mmca.demo;

import static org.junit.jupiter.api.Assertions.*;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.visualchat.mmca.demo.world.Dialogue;
import org.visualchat.mmca.demo.world.Scene;
import org.visualchat.mmca.demo.world.Split;

/** What language-model pretraining reads ({@link DemoData#stream}): new conversations, training scenes only, known words only. */
class TrainingStreamTest {
    private static List<Dialogue> pretrainingConversations(DemoConfig config) {
        return DemoData.stream(config, Split.TRAIN).next(config.lmSteps() * config.lmBatch());
    }

    @Test
    void pretrainingNeverShowsAHeldOutScene() {
        DemoConfig config = DemoConfig.reduced();
        Set<Scene> heldOut = new HashSet<>();
        for (Dialogue d : DemoData.dialogues(config, Split.HELD_OUT)) heldOut.addAll(d.scenes());
        List<Dialogue> read = pretrainingConversations(config);
        assertTrue(read.size() > config.trainDialogues(), "the stream must read past the fixed training set");
        assertEquals(DemoData.dialogues(config, Split.TRAIN), read.subList(0, config.trainDialogues()));
        for (Dialogue d : read) {
            for (Scene s : d.scenes()) {
                assertEquals(Split.TRAIN, Split.of(s), () -> "pretraining shows held-out scene " + s);
                assertFalse(heldOut.contains(s), () -> "pretraining shows a scene of a held-out conversation: " + s);
            }
        }
    }

    @Test
    void theTokenizerKnowsEveryWordPretrainingReads() {
        // The tokenizer is built from the fixed training set; a word first met later would be spelled letter by
        // letter. Its file lists words in order of first use, so reading more conversations leaves it unchanged
        // exactly when they bring no new word.
        for (DemoConfig config : List.of(DemoConfig.reduced(), DemoConfig.full())) {
            assertEquals(DemoTokenizer.json(DemoData.corpus(DemoData.dialogues(config, Split.TRAIN))),
                    DemoTokenizer.json(DemoData.corpus(pretrainingConversations(config))), config::toString);
        }
    }
}
