package org.visualchat.mmca.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.visualchat.mmca.prompt.MarkerNumbering;
import org.visualchat.mmca.prompt.Turn;
import org.visualchat.mmca.testing.Images;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.visualchat.mmca.testing.Fixtures.json;
import static org.visualchat.mmca.testing.Fixtures.obj;

/** MIMIC-IT CGD/SD/SN: related-instruction merging, image filters, caches, round layout. */
class OtterMimicItReaderTest {
    @TempDir
    Path root;

    private static Map<String, Object> ins(String q, String a, List<String> images, List<String> related) {
        return obj("instruction", q, "answer", a, "image_ids", images, "rel_ins_ids", related);
    }

    private void writeCgd() {
        List<String> pair1 = List.of("CGD_IMG_000000000001", "CGD_IMG_000000000002");
        List<String> pair2 = List.of("CGD_IMG_000000000003", "CGD_IMG_000000000004");
        json(root, "MIMIC-IT/CGD_instructions.json", obj("meta", obj("version", "0.0.1"), "data", obj(
                "CGD_INS_000000", ins("<image>What differs?\n", "The color.", pair1, List.of("CGD_INS_000001", "CGD_INS_000002")),
                "CGD_INS_000001", ins("Which is bigger?", "The first.", pair1, List.of("CGD_INS_000000", "CGD_INS_000002")),
                "CGD_INS_000002", ins("Same place?", "No.", pair1, List.of("CGD_INS_000000", "CGD_INS_000001")),
                "CGD_INS_000003", ins("Compare them.", "Both dogs.", pair2, List.of()))));
        for (int i = 1; i <= 4; i++) Images.write(root.resolve("coco/train2017/00000000000" + i + ".jpg"), i);
    }

    @Test
    void cgdMergesRelatedInstructionsOnceAndIntroducesAllImagesInRoundOne() throws Exception {
        writeCgd();
        ConversationDataset d = OtterMimicItReader.open(OtterMimicItReader.Subset.CGD, root, 1, 8, 42);
        assertEquals(2, d.size(), "the three related instructions of pair 1 become one item");
        Set<String> firstQuestions = new HashSet<>();
        for (int i = 0; i < d.size(); i++) {
            for (long s = 0; s < 30; s++) {
                Conversation c = d.get(i, new SplittableRandom(s));
                assertEquals(MarkerNumbering.TEXT_LEVEL, c.numbering());
                assertEquals(2, c.images().size());
                assertEquals(2, c.turns().getFirst().newImages());
                for (Turn t : c.turns().subList(1, c.turns().size())) assertEquals(0, t.newImages());
                if (c.turns().size() == 3) {
                    firstQuestions.add(c.turns().getFirst().question());
                    assertEquals(Set.of("What differs?", "Which is bigger?", "Same place?"),
                            Set.copyOf(c.turns().stream().map(Turn::question).toList()), "stripped and all present");
                    assertTrue(c.images().getFirst().describe().endsWith("coco/train2017/000000000001.jpg"));
                }
            }
        }
        assertEquals(3, firstQuestions.size(), "instruction order is shuffled per access");
        assertThrows(IllegalArgumentException.class, () -> OtterMimicItReader.open(OtterMimicItReader.Subset.CGD, root, 2, 8, 42));
    }

    @Test
    void theOriginalsCachedMergedFileIsReadWhenPresent() throws Exception {
        writeCgd();
        json(root, "MIMIC-IT/CGD_instructions_merged.json", List.of(obj("image_ids", List.of("CGD_IMG_000000000004"),
                "instruction", List.of("Cached?"), "answer", List.of("Yes."))));
        ConversationDataset d = OtterMimicItReader.open(OtterMimicItReader.Subset.CGD, root, 1, 8, 42);
        assertEquals(1, d.size());
        assertEquals(List.of(new Turn("Cached?", "Yes.", 1)), d.get(0, new SplittableRandom(0)).turns());
    }

    @Test
    void base64SubsetsKeepAvailableImagesAndSnFiltersByCount() throws Exception {
        String b64 = Base64.getEncoder().encodeToString(Images.png(30, 20, 5));
        for (String subset : List.of("SD", "SN", "TVC", "VST")) {
            json(root, "MIMIC-IT/" + subset + ".json", obj("a", b64, "b", b64, "c", b64));
            json(root, "MIMIC-IT/" + subset + "_instructions.json", obj("data", obj(
                    "I1", ins("q1", "a1", List.of("a", "missing", "b"), List.of("I2")),
                    "I2", ins("q2", "a2", List.of("a", "b"), List.of("I1")),
                    "I3", ins("q3", "a3", List.of("missing"), List.of()),
                    "I4", ins("q4", "a4", List.of("a", "b", "c"), List.of()))));
        }
        ConversationDataset sd = OtterMimicItReader.open(OtterMimicItReader.Subset.SD, root, 1, 8, 1);
        assertEquals(2, sd.size(), "I3 has no available image; I1/I2 merge");
        List<Integer> counts = new ArrayList<>();
        for (int i = 0; i < sd.size(); i++) counts.add(sd.get(i, new SplittableRandom(0)).images().size());
        assertEquals(Set.of(2, 3), Set.copyOf(counts));
        for (OtterMimicItReader.Subset filtered : List.of(OtterMimicItReader.Subset.SN, OtterMimicItReader.Subset.TVC,
                OtterMimicItReader.Subset.VST)) {
            ConversationDataset sn = OtterMimicItReader.open(filtered, root, 1, 2, 1);
            assertEquals(1, sn.size(), filtered + " with max 2 images drops the 3-image I4");
            assertEquals(2, OtterMimicItReader.open(filtered, root, 1, 3, 1).size(), filtered + " with max 3 keeps it");
            Conversation c = sn.get(0, new SplittableRandom(0));
            assertEquals(2, c.turns().size());
            assertTrue(c.images().getFirst() instanceof ImageSource.StoredBase64);
            assertEquals(30, c.images().getFirst().decode(org.visualchat.vision.image.DecodeOptions.PILLOW_PARITY).width());
        }
    }
}
