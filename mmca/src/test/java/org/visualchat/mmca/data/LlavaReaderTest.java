package org.visualchat.mmca.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.visualchat.mmca.prompt.ConversationEncoder;
import org.visualchat.mmca.prompt.MarkerNumbering;
import org.visualchat.mmca.prompt.Turn;
import org.visualchat.mmca.testing.Images;
import org.visualchat.mmca.testing.Tokenizers;
import org.visualchat.vision.image.ClipPreprocessor;
import org.visualchat.vision.image.DecodeOptions;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.visualchat.mmca.testing.Fixtures.json;
import static org.visualchat.mmca.testing.Fixtures.obj;
import static org.visualchat.mmca.testing.Fixtures.turn;

/** llava and llava_dial from LLaVA-Instruct files in the original layout. */
class LlavaReaderTest {
    @TempDir
    Path root;

    private void writeLlava() {
        List<Object> detail = new ArrayList<>(), complex = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            detail.add(obj("id", "d" + i, "image", "00000000000" + i + ".jpg", "conversations", List.of(
                    turn("human", "<image>\nDescribe image " + i + ".\n"), turn("gpt", "Detail " + i + "."))));
            complex.add(obj("id", "c" + i, "image", "00000000001" + i + ".jpg", "conversations", List.of(
                    turn("human", "Why is it " + i + "?\n<image>"), turn("gpt", "Because " + i + "."),
                    turn("human", "ignored second question"), turn("gpt", "ignored"))));
        }
        json(root, "llava/detail_23k.json", detail);
        json(root, "llava/complex_reasoning_77k.json", complex);
        for (int i = 0; i < 4; i++) {
            Images.write(root.resolve("coco/train2017/00000000000" + i + ".jpg"), i);
            Images.write(root.resolve("coco/train2017/00000000001" + i + ".jpg"), 10 + i);
        }
    }

    @Test
    void llavaTakesTheFirstPairWithImageTagsAndNewlinesRemoved() throws Exception {
        writeLlava();
        ConversationDataset d = LlavaReader.llava(root, 1, 5);
        assertEquals(8, d.size());
        List<String> questions = new ArrayList<>();
        for (int i = 0; i < d.size(); i++) {
            Conversation c = d.get(i, new SplittableRandom(1));
            assertEquals(1, c.turns().size());
            assertEquals(1, c.turns().getFirst().newImages());
            assertEquals(MarkerNumbering.TOKEN_LEVEL, c.numbering());
            assertTrue(c.images().getFirst().describe().startsWith(root.resolve("coco/train2017").toString()));
            questions.add(c.turns().getFirst().question() + " -> " + c.turns().getFirst().answer());
        }
        assertTrue(questions.contains("Describe image 2. -> Detail 2."), questions.toString());
        assertTrue(questions.contains("Why is it 3? -> Because 3."), questions.toString());
    }

    @Test
    void groupingConcatenatesUpToThreeSingleImageSamples() throws Exception {
        writeLlava();
        GroupedDataset<?> d = (GroupedDataset<?>) LlavaReader.llava(root, 3, 11);
        int[] seen = new int[8];
        for (int i = 0; i < d.size(); i++) {
            int[] group = d.group(i);
            assertTrue(group.length >= 1 && group.length <= 3);
            for (int a : group) seen[a]++;
            Conversation c = d.get(i, new SplittableRandom(i));
            assertEquals(group.length, c.turns().size());
            assertEquals(group.length, c.images().size());
        }
        int[] ones = new int[8];
        Arrays.fill(ones, 1);
        assertEquals(Arrays.toString(ones), Arrays.toString(seen), "groups partition the annotations");
    }

    @Test
    void dialMarksTheRoundWithTheImageTagAndDropsUntaggedImages() throws Exception {
        json(root, "llava/conversation_58k.json", List.of(
                obj("image", "a.jpg", "conversations", List.of(turn("human", "What is this?\n<image>"), turn("gpt", "A cat."),
                        turn("human", "Color?"), turn("gpt", "Grey."))),
                obj("image", "b.jpg", "conversations", List.of(turn("human", "No tag here"), turn("gpt", "Ok."))),
                obj("image", "c.jpg", "conversations", List.of(turn("human", "<image> one"), turn("gpt", "x"),
                        turn("human", "<image> two"), turn("gpt", "y")))));
        for (String f : List.of("a.jpg", "b.jpg", "c.jpg")) Images.write(root.resolve("coco/train2017/" + f), f.charAt(0));
        ConversationDataset d = LlavaReader.llavaDial(root, 1, 3);
        List<Conversation> all = new ArrayList<>();
        for (int i = 0; i < d.size(); i++) all.add(d.get(i, new SplittableRandom(0)));
        Conversation a = all.stream().filter(c -> c.turns().getFirst().answer().equals("A cat.")).findFirst().orElseThrow();
        assertEquals(List.of(new Turn("What is this?", "A cat.", 1), new Turn("Color?", "Grey.", 0)), a.turns());
        Conversation b = all.stream().filter(c -> c.turns().getFirst().answer().equals("Ok.")).findFirst().orElseThrow();
        assertEquals(0, b.images().size(), "merge_all_images only collects images it found a marker for");
        Conversation c = all.stream().filter(x -> x.turns().getFirst().answer().equals("x")).findFirst().orElseThrow();
        SamplePreparer preparer = new SamplePreparer(new ConversationEncoder(Tokenizers.tiny()), ClipPreprocessor.CLIP_224,
                DecodeOptions.PILLOW_PARITY, 0, 1);
        assertEquals(SkipReason.IMAGE_COUNT_MISMATCH, assertThrows(BadSampleException.class, () -> preparer.encode(c)).reason());
        assertEquals(SkipReason.NO_IMAGE, assertThrows(BadSampleException.class, () -> preparer.encode(b)).reason());
    }

    @Test
    void missingFilesAreFatalAndNameThePath() throws Exception {
        DatasetFormatException e = assertThrows(DatasetFormatException.class, () -> LlavaReader.llava(root, 1, 0));
        assertTrue(e.getMessage().contains("coco/train2017"), e.getMessage());
        Images.write(root.resolve("coco/train2017/x.jpg"), 1);
        e = assertThrows(DatasetFormatException.class, () -> LlavaReader.llava(root, 1, 0));
        assertTrue(e.getMessage().contains("llava/detail_23k.json"), e.getMessage());
    }

    @Test
    void aMalformedItemIsABadSampleNotACrash() throws Exception {
        json(root, "llava/detail_23k.json", List.of(obj("image", "x.jpg", "conversations", List.of(turn("human", "q")))));
        List<Object> withNull = new ArrayList<>();
        withNull.add(obj("conversations", List.of(turn("human", "q"), turn("gpt", "a"))));
        withNull.add(null);
        json(root, "llava/complex_reasoning_77k.json", withNull);
        Images.write(root.resolve("coco/train2017/x.jpg"), 1);
        ConversationDataset d = LlavaReader.llava(root, 1, 0);
        assertEquals(3, d.size());
        for (int i = 0; i < 3; i++) {
            int index = i;
            BadSampleException e = assertThrows(BadSampleException.class, () -> d.get(index, new SplittableRandom(0)));
            assertEquals(SkipReason.MALFORMED_ANNOTATION, e.reason());
            assertTrue(e.getMessage().contains("conversations[1]") || e.getMessage().contains(".image")
                    || e.getMessage().contains("is not a JSON object"), e.getMessage());
        }
    }
}
