package org.visualchat.mmca.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.visualchat.mmca.prompt.MarkerNumbering;
import org.visualchat.mmca.prompt.Turn;
import org.visualchat.mmca.testing.Images;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.visualchat.mmca.testing.Fixtures.json;
import static org.visualchat.mmca.testing.Fixtures.obj;
import static org.visualchat.mmca.testing.Fixtures.turn;

/** Reference checklist #9: every image introduced exactly once, in order, LLaVA rounds before CGD rounds. */
class LlavaOtterBlendReaderTest {
    @TempDir
    Path root;

    @Test
    void blendInvariantsOverManyDraws() throws Exception {
        json(root, "llava/detail_23k.json", List.of(
                obj("image", "000000000001.jpg", "conversations", List.of(turn("human", "<image>\nDescribe 1."), turn("gpt", "One."))),
                obj("image", "000000000002.jpg", "conversations", List.of(turn("human", "Describe 2.<image>"), turn("gpt", "Two.")))));
        json(root, "llava/complex_reasoning_77k.json", List.of(
                obj("image", "000000000001.jpg", "conversations", List.of(turn("human", "Why 1?"), turn("gpt", "R1."))),
                obj("image", "000000000002.jpg", "conversations", List.of(turn("human", "Why 2?"), turn("gpt", "R2.")))));
        json(root, "llava/conversation_58k.json", List.of(
                obj("image", "000000000001.jpg", "conversations", List.of(turn("human", "Q1a"), turn("gpt", "A1a"),
                        turn("human", "Q1b"), turn("gpt", "A1b")))));
        List<String> pair = List.of("CGD_IMG_000000000001", "CGD_IMG_000000000002");
        List<String> noLlava = List.of("CGD_IMG_000000000009", "CGD_IMG_000000000001");
        json(root, "MIMIC-IT/CGD_instructions.json", obj("data", obj(
                "CGD_INS_0", obj("instruction", "Differences?", "answer", "D.", "image_ids", pair, "rel_ins_ids", List.of("CGD_INS_1")),
                "CGD_INS_1", obj("instruction", "Similar?", "answer", "S.", "image_ids", pair, "rel_ins_ids", List.of("CGD_INS_0")),
                "CGD_INS_2", obj("instruction", "Dropped?", "answer", "X.", "image_ids", noLlava, "rel_ins_ids", List.of()))));
        Images.write(root.resolve("coco/train2017/000000000001.jpg"), 1);
        ConversationDataset d = LlavaOtterBlendReader.open(root, 1, 3);
        assertEquals(1, d.size(), "the pair whose first image has no LLaVA conversation is left out");
        Set<Integer> llavaRoundsOfImage2 = new HashSet<>();
        for (long s = 0; s < 300; s++) {
            Conversation c = d.get(0, new SplittableRandom(s));
            assertEquals(MarkerNumbering.TEXT_LEVEL, c.numbering());
            assertEquals(2, c.images().size());
            assertEquals(2, c.markedImages(), "each image introduced exactly once");
            List<Turn> t = c.turns();
            assertEquals(1, t.getFirst().newImages(), "round 1 introduces image 1 (and carries the system prompt)");
            int firstCgd = 0;
            while (firstCgd < t.size() && !Set.of("Differences?", "Similar?").contains(t.get(firstCgd).question())) firstCgd++;
            assertTrue(firstCgd >= 1 && firstCgd < t.size());
            for (int r = firstCgd; r < t.size(); r++) {
                assertTrue(Set.of("Differences?", "Similar?").contains(t.get(r).question()), "CGD rounds come last: " + t);
                if (r > firstCgd) assertEquals(0, t.get(r).newImages());
            }
            int image2Rounds = (int) t.subList(0, firstCgd).stream().filter(x -> x.answer().equals("Two.") || x.answer().equals("R2.")).count();
            llavaRoundsOfImage2.add(image2Rounds);
            // Image 2 is introduced by its first LLaVA round, or by the first CGD round when it got none.
            assertEquals(image2Rounds == 0 ? 1 : 0, t.get(firstCgd).newImages(), t.toString());
            assertTrue(t.subList(0, firstCgd).stream().filter(x -> x.answer().matches("One\\.|R1\\.|A1a|A1b")).count() >= 1);
        }
        assertEquals(Set.of(0, 1, 2), llavaRoundsOfImage2, "the last image draws 0..#conversations LLaVA conversations");
    }
}
