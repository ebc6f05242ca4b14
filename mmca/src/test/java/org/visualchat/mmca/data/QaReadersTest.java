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
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.visualchat.mmca.testing.Fixtures.json;
import static org.visualchat.mmca.testing.Fixtures.obj;

/** coco_caption, minigpt4 (CC-SBU-align), aokvqa, ocr_vqa and VQA v2 from fixtures in their original layouts. */
class QaReadersTest {
    @TempDir
    Path root;

    private static Conversation only(ConversationDataset d, long seed) throws BadSampleException {
        assertEquals(1, d.size());
        return d.get(0, new SplittableRandom(seed));
    }

    @Test
    void cocoCaptionPicksOneOfTheSentencesAndOneOfThe53Instructions() throws Exception {
        json(root, "coco_caption/dataset.json", obj("images", List.of(obj("filepath", "val2014",
                "filename", "COCO_val2014_000000391895.jpg", "sentences", List.of(obj("raw", "A man rides."), obj("raw", "A bike."))))));
        Images.write(root.resolve("coco/2014/COCO_val2014_000000391895.jpg"), 3);
        ConversationDataset d = CaptionReader.cocoCaption(root, 1, 0);
        Set<String> answers = new HashSet<>(), questions = new HashSet<>();
        for (long s = 0; s < 200; s++) {
            Conversation c = only(d, s);
            answers.add(c.turns().getFirst().answer());
            questions.add(c.turns().getFirst().question());
            assertEquals(root.resolve("coco/2014/COCO_val2014_000000391895.jpg").toString(), c.images().getFirst().describe());
        }
        assertEquals(Set.of("A man rides.", "A bike."), answers);
        assertTrue(CaptionInstructions.ALL.containsAll(questions));
        assertTrue(questions.size() > 30, "draws spread over the list: " + questions.size());
        assertEquals(53, CaptionInstructions.ALL.size());
    }

    @Test
    void minigpt4ReadsCcSbuAlign() throws Exception {
        json(root, "cc_sbu_align/filter_cap.json", obj("annotations", List.of(obj("image_id", "2", "caption", "A red car."))));
        Images.write(root.resolve("cc_sbu_align/image/2.jpg"), 2);
        Conversation c = only(CaptionReader.minigpt4(root, 1, 0), 4);
        assertEquals("A red car.", c.turns().getFirst().answer());
        assertEquals(root.resolve("cc_sbu_align/image/2.jpg").toString(), c.images().getFirst().describe());
    }

    @Test
    void aokvqaBuildsTheAnswerSentenceAndAsksWhy() throws Exception {
        json(root, "aokvqa/annotations/aokvqa_v1p0_train.json", List.of(obj("question_id", "q1", "image_id", 299207L,
                "question", "What is the man holding?", "choices", List.of("bat", "racket", "ball", "glove"),
                "correct_choice_idx", 1L, "direct_answers", List.of("racket"),
                "rationales", List.of("He plays tennis.", "It has strings."))));
        Images.write(root.resolve("coco/train2017/000000299207.jpg"), 1);
        Conversation c = only(VqaReader.aokvqa(root, 1, 0), 9);
        Turn t = c.turns().getFirst();
        assertEquals("The answer is racket. Because He plays tennis. It has strings.", t.answer());
        assertTrue(t.question().startsWith("What is the man holding? "));
        assertTrue(VqaReader.REASON_QUESTIONS.contains(t.question().substring("What is the man holding? ".length())));
        assertEquals(root.resolve("coco/train2017/000000299207.jpg").toString(), c.images().getFirst().describe());
    }

    @Test
    void aokvqaWithABadChoiceIndexIsMalformed() throws Exception {
        json(root, "aokvqa/annotations/aokvqa_v1p0_train.json", List.of(
                obj("image_id", 1L, "question", "q", "choices", List.of("a"), "correct_choice_idx", -1L, "rationales", List.of()),
                obj("image_id", 1L, "question", "q", "choices", List.of("a"), "correct_choice_idx", 1L << 40, "rationales", List.of())));
        Images.write(root.resolve("coco/train2017/000000000001.jpg"), 1);
        ConversationDataset d = VqaReader.aokvqa(root, 1, 0);
        for (int i = 0; i < 2; i++) {
            int index = i;
            BadSampleException e = org.junit.jupiter.api.Assertions.assertThrows(BadSampleException.class,
                    () -> d.get(index, new SplittableRandom(0)));
            assertEquals(SkipReason.MALFORMED_ANNOTATION, e.reason());
            assertTrue(e.getMessage().contains(".choices["), e.getMessage());
        }
    }

    @Test
    void ocrVqaNamesImagesByKeyAndUrlExtensionAndPrefersTheProcessedFile() throws Exception {
        json(root, "OCR_VQA/dataset.json", obj("1234", obj("imageURL", "http://x/images/I/51.gif", "title", "T",
                "questions", List.of("Who wrote this book?", "What is the title?"), "answers", List.of("Ann", "T"))));
        Images.write(root.resolve("OCR_VQA/images/1234.gif"), 1);
        Set<String> pairs = new HashSet<>();
        for (long s = 0; s < 50; s++) {
            Conversation c = only(VqaReader.ocrVqa(root, 1, 0), s);
            pairs.add(c.turns().getFirst().question() + "=" + c.turns().getFirst().answer());
            assertEquals(root.resolve("OCR_VQA/images/1234.gif").toString(), c.images().getFirst().describe());
        }
        assertEquals(Set.of("Who wrote this book?=Ann", "What is the title?=T"), pairs);
        json(root, "OCR_VQA/dataset_processed.json", List.of(obj("filename", "other.jpg", "questions", List.of("q"), "answers", List.of("a"))));
        assertEquals(root.resolve("OCR_VQA/images/other.jpg").toString(), only(VqaReader.ocrVqa(root, 1, 0), 0).images().getFirst().describe());
        assertEquals(".jpg", VqaReader.extension("http://a.b/c/d.e.jpg"));
        assertEquals("", VqaReader.extension("http://a.b/c/noext"));
        assertEquals("", VqaReader.extension("http://a.b/c/.hidden"));
    }

    @Test
    void vqaV2TakesTheMajorityAnswerFirstSeenOnTies() throws Exception {
        json(root, "vqav2/v2_OpenEnded_mscoco_train2014_questions.json", obj("questions", List.of(
                obj("image_id", 458752L, "question", "What is this photo taken looking through?", "question_id", 458752000L),
                obj("image_id", 458752L, "question", "Tie?", "question_id", 458752001L))));
        json(root, "vqav2/v2_mscoco_train2014_annotations.json", obj("annotations", List.of(
                obj("question_id", 458752000L, "answers", List.of(obj("answer", "net"), obj("answer", "netting"), obj("answer", "net"))),
                obj("question_id", 458752001L, "answers", List.of(obj("answer", "b"), obj("answer", "a"), obj("answer", "a"), obj("answer", "b"))))));
        Images.write(root.resolve("coco/train2014/COCO_train2014_000000458752.jpg"), 1);
        ConversationDataset d = VqaReader.vqaV2(root, 1, 0);
        Set<String> got = new HashSet<>();
        for (int i = 0; i < 2; i++) {
            Conversation c = d.get(i, new SplittableRandom(0));
            got.add(c.turns().getFirst().question() + "=" + c.turns().getFirst().answer());
            assertEquals(root.resolve("coco/train2014/COCO_train2014_000000458752.jpg").toString(), c.images().getFirst().describe());
        }
        assertEquals(Set.of("What is this photo taken looking through?=net", "Tie?=b"), got);
    }
}
