package org.visualchat.mmca.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.visualchat.mmca.prompt.MarkerNumbering;
import org.visualchat.mmca.prompt.Turn;
import org.visualchat.mmca.testing.Fixtures;

import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Our JSONL conversation format (docs/data.md). */
class JsonlReaderTest {
    @TempDir
    Path root;

    @Test
    void readsRoundsImagesAndReportsBadLinesAsBadSamples() throws Exception {
        Fixtures.text(root, "conv/train.jsonl", String.join("\n",
                "{\"id\": \"cats-1\", \"rounds\": [{\"images\": [\"img/cat1.jpg\", \"img/cat2.jpg\"], \"question\": \"Which is older?\", \"answer\": \"The first.\"},",
                "  {\"question\": \"Why?\", \"answer\": \"Grey fur.\"}]}",
                "",
                "{\"rounds\": [{\"images\": [\"/abs/x.png\"], \"question\": \"q\", \"answer\": \"a\"}, {\"images\": [\"y.png\"], \"question\": \"q2\", \"answer\": \"a2\"}]}",
                "{\"rounds\": []}",
                "not json"));
        // The first record spans two lines on purpose: each physical line is one record, so both lines are bad.
        ConversationDataset d = Datasets.open("jsonl:conv/train.jsonl", root, 1, 8, 0);
        assertEquals(5, d.size());
        int good = 0, bad = 0;
        for (int i = 0; i < d.size(); i++) {
            try {
                Conversation c = d.get(i, new SplittableRandom(0));
                good++;
                assertEquals(MarkerNumbering.TEXT_LEVEL, c.numbering());
                assertEquals(List.of(new Turn("q", "a", 1), new Turn("q2", "a2", 1)), c.turns());
                assertEquals("/abs/x.png", c.images().get(0).describe());
                assertEquals(root.resolve("conv/y.png").toAbsolutePath().toString(), c.images().get(1).describe());
                assertTrue(c.id().startsWith("train.jsonl:4"), c.id());
            } catch (BadSampleException e) {
                bad++;
                assertEquals(SkipReason.MALFORMED_ANNOTATION, e.reason());
                assertTrue(e.getMessage().startsWith("train.jsonl:"), e.getMessage());
            }
        }
        assertEquals(1, good);
        assertEquals(4, bad);
    }

    @Test
    void aWellFormedMultiImageLine() throws Exception {
        Fixtures.text(root, "c.jsonl", "{\"id\": \"cats-1\", \"rounds\": [{\"images\": [\"a.jpg\", \"b.jpg\"], \"question\": \"Which?\", "
                + "\"answer\": \"A.\"}, {\"question\": \"Why?\", \"answer\": \"B.\"}, {\"images\": [\"c.jpg\"], \"question\": \"And?\", \"answer\": \"C.\"}]}\n");
        Conversation c = Datasets.open("jsonl:c.jsonl", root, 1, 8, 0).get(0, new SplittableRandom(0));
        assertEquals("cats-1", c.id());
        assertEquals(List.of(new Turn("Which?", "A.", 2), new Turn("Why?", "B.", 0), new Turn("And?", "C.", 1)), c.turns());
        assertEquals(3, c.images().size());
    }

    @Test
    void unknownNamesAndMissingFilesFailClearly() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Datasets.open("lava", root, 1, 8, 0));
        assertTrue(e.getMessage().contains("llava_otter_blend"), e.getMessage());
        assertThrows(DatasetFormatException.class, () -> Datasets.open("jsonl:none.jsonl", root, 1, 8, 0));
    }
}
