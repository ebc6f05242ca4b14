package org.visualchat.mmca.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.visualchat.mmca.prompt.Turn;
import org.visualchat.mmca.testing.Images;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.visualchat.mmca.testing.Fixtures.json;
import static org.visualchat.mmca.testing.Fixtures.obj;

/** Sparkles: filtering, IMAGE#id tag substitution per style, Python capitalize, marker counts per turn. */
class SparklesReaderTest {
    @TempDir
    Path root;

    @Test
    void tagsCapitalisationAndFiltering() throws Exception {
        json(root, "SparklesDialogueCC/annotations/SparklesDialogueCC.json", List.of(
                obj("dialogue", List.of(
                        obj("role", "user", "content", "<Img><ImageHere></Img> what is in IMAGE#12 and IMAGE#123?\nreally.",
                                "images", List.of(obj("image_id", 12L), obj("image_id", 123L))),
                        obj("role", "assistant", "content", "iMAGE#12 shows a CAT. IMAGE#123 shows a dog! ok"),
                        obj("role", "user", "content", "compare IMAGE#7 with IMAGE#12", "images", List.of(obj("image_id", 7L))),
                        obj("role", "assistant", "content", "IMAGE#7 is bigger."))),
                obj("dialogue", List.of(obj("role", "user", "content", "odd"))),
                obj("dialogue", List.of(obj("role", "user", "content", "x", "images", List.of(obj("image_id", 999L))),
                        obj("role", "assistant", "content", "missing image")))));
        json(root, "SparklesDialogueVG/annotations/SparklesDialogueVG.json", List.of());
        for (long id : new long[] {12, 123, 7}) Images.write(root.resolve("SparklesDialogueCC/images/" + id + ".jpg"), (int) id);
        Images.write(root.resolve("SparklesDialogueVG/images/placeholder.jpg"), 0);
        ConversationDataset d = SparklesReader.open(root, 1, 0);
        assertEquals(1, d.size());
        Set<List<Turn>> renderings = new HashSet<>();
        for (long s = 0; s < 60; s++) renderings.add(d.get(0, new SplittableRandom(s)).turns());
        // The original replaces references one after another with str.replace, so "IMAGE#12" also rewrites the
        // prefix of "IMAGE#123" ("image a3"), and "iMAGE#12" (wrong case) is left alone: reproduced as is.
        assertEquals(Set.of(
                List.of(new Turn(" what is in image a and image a3?really.", "Image#12 shows a CAT. Image a3 shows a dog! Ok", 2),
                        new Turn("Compare image c with image a", "Image c is bigger.", 1)),
                List.of(new Turn(" what is in image A and image A3?really.", "Image#12 shows a CAT. Image A3 shows a dog! Ok", 2),
                        new Turn("Compare image C with image A", "Image C is bigger.", 1)),
                List.of(new Turn(" what is in the first image and the first image3?really.",
                                "Image#12 shows a CAT. The first image3 shows a dog! Ok", 2),
                        new Turn("Compare the third image with the first image", "The third image is bigger.", 1))), renderings);
        Conversation c = d.get(0, new SplittableRandom(0));
        assertEquals(3, c.images().size());
        assertEquals(root.resolve("SparklesDialogueCC/images/7.jpg").toString(), c.images().get(2).describe());
    }

    @Test
    void pythonCapitalize() {
        assertEquals("Hello World. Again? Yes! ǅemal", SparklesReader.capitalizeSentences("hELLO World. again? yes! ǆemal"));
        assertEquals("ǅemal", SparklesReader.capitalize("ǆEMAL"), "title case (U+01C5), not upper case");
        assertEquals("Über straße", SparklesReader.capitalize("üBER STRASSE".substring(0, 4)) + " straße");
    }
}
