package org.visualchat.mmca.demo;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.visualchat.mmca.chat.ChatTurn;
import org.visualchat.mmca.demo.world.Dialogue;
import org.visualchat.mmca.demo.world.DialogueGenerator;
import org.visualchat.mmca.demo.world.Round;
import org.visualchat.mmca.demo.world.Split;
import org.visualchat.mmca.prompt.EncodedConversation;

class DemoChatModelTest {
    /** What the chat model is asked at round r is exactly what training showed before round r's answer. */
    @Test
    void chatPromptIsTheTrainingSampleUpToTheAnswer(@TempDir Path dir) throws IOException {
        List<Dialogue> train = new DialogueGenerator(3, Split.TRAIN).next(200);
        DemoData data = new DemoData(DemoTokenizer.build(dir, DemoData.corpus(train)));
        for (Dialogue d : train.subList(0, 30)) {
            EncodedConversation sample = data.encode(d);
            List<ChatTurn> history = new ArrayList<>();
            int imagesBefore = 0;
            for (int r = 0; r < d.rounds().size(); r++) {
                Round round = d.rounds().get(r);
                int[] prompt = DemoChatModel.prompt(data.encoder(), history, round.question(), round.attached().size(), imagesBefore);
                int[] prefix = Arrays.copyOf(sample.inputIds(), prompt.length);
                assertArrayEquals(prefix, prompt, "round " + (r + 1) + " of " + d);
                // The labelled tokens right after the prompt are the answer and its EOS.
                assertEquals(EncodedConversation.IGNORE, sample.labels()[prompt.length - 1]);
                assertNotEquals(EncodedConversation.IGNORE, sample.labels()[prompt.length]);
                history.add(new ChatTurn(round.question(), round.attached().size(), round.answer()));
                imagesBefore += round.attached().size();
            }
        }
    }
}
