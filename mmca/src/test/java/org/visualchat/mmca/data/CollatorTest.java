package org.visualchat.mmca.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.visualchat.mmca.prompt.ConversationEncoder;
import org.visualchat.mmca.prompt.EncodedConversation;
import org.visualchat.mmca.prompt.MarkerNumbering;
import org.visualchat.mmca.prompt.Turn;
import org.visualchat.mmca.testing.Images;
import org.visualchat.mmca.testing.Tokenizers;
import org.visualchat.vision.image.ClipPreprocessor;
import org.visualchat.vision.image.DecodeOptions;
import org.visualchat.vision.image.ImageDecoder;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Padding, expansion and image stacking of the two batch layouts on three uneven samples. */
class CollatorTest {
    private static final ClipPreprocessor PRE = new ClipPreprocessor(16, 16, ClipPreprocessor.CLIP_MEAN, ClipPreprocessor.CLIP_STD);
    private final ConversationEncoder encoder = new ConversationEncoder(Tokenizers.tiny());
    private final SamplePreparer preparer = new SamplePreparer(encoder, PRE, DecodeOptions.PILLOW_PARITY, 0, 5);
    private final int eos = Tokenizers.tiny().eosId();

    @TempDir
    Path dir;

    private List<Sample> samples() throws BadSampleException {
        List<ImageSource> imgs = new ArrayList<>();
        for (int i = 0; i < 4; i++) imgs.add(ImageSource.file(Images.write(dir.resolve("i" + i + ".png"), i)));
        return List.of(
                preparer.prepare(new Conversation("a", List.of(new Turn("the cat", "free software", 1)), imgs.subList(0, 1), MarkerNumbering.TOKEN_LEVEL)),
                preparer.prepare(new Conversation("b", List.of(new Turn("copy", "work", 2), new Turn("and?", "the license and the work", 0)),
                        imgs.subList(1, 3), MarkerNumbering.TEXT_LEVEL)),
                preparer.prepare(new Conversation("c", List.of(new Turn("q", "a", 1)), imgs.subList(3, 4), MarkerNumbering.TEXT_LEVEL)));
    }

    @Test
    void placeholderLayoutPadsToTheLongestRowWithEosIgnoreAndZero() throws Exception {
        List<Sample> samples = samples();
        Batch b = Collator.placeholders(PRE, eos, 1).collate(samples);
        int longest = samples.stream().mapToInt(s -> s.tokens().length()).max().orElseThrow();
        assertEquals(longest, b.length());
        assertEquals(3, b.size());
        assertArrayEquals(new int[] {1, 2, 1}, b.imageCounts());
        for (int i = 0; i < 3; i++) {
            EncodedConversation t = samples.get(i).tokens();
            assertEquals(t.length(), b.lengths()[i]);
            int row = i * b.length();
            assertArrayEquals(t.inputIds(), Arrays.copyOfRange(b.inputIds(), row, row + t.length()));
            assertArrayEquals(t.labels(), Arrays.copyOfRange(b.labels(), row, row + t.length()));
            assertArrayEquals(t.codes(), Arrays.copyOfRange(b.codes(), row, row + t.length()));
            for (int j = t.length(); j < b.length(); j++) {
                assertEquals(eos, b.inputIds()[row + j]);
                assertEquals(-100, b.labels()[row + j]);
                assertEquals(0, b.codes()[row + j]);
            }
        }
        int rounded = Collator.placeholders(PRE, eos, 8).collate(samples).length();
        assertEquals(0, rounded % 8);
        assertEquals((longest + 7) / 8 * 8, rounded);
    }

    @Test
    void expandedLayoutHasTheOriginalsSpliceLengthAndImagePositions() throws Exception {
        List<Sample> samples = samples();
        int p = 5;
        Batch x = Collator.expanded(PRE, eos, p).collate(samples);
        int longest = samples.stream().mapToInt(s -> s.tokens().length()).max().orElseThrow();
        // concat: rows padded to `longest` by the collator, then each image adds P-1, then round up to 8.
        int expected = (longest + 2 * (p - 1) + 7) / 8 * 8;
        assertEquals(expected, x.length());
        assertEquals(4, x.imageCount());
        assertArrayEquals(x.imageStarts(), x.spliceStarts(false));
        Batch one = Collator.expanded(PRE, eos, p, 1).collate(samples.subList(1, 2));
        assertEquals(samples.get(1).tokens().length() + 2 * (p - 1), one.length(), "generation: no rounding");
        for (int i = 0; i < 3; i++) {
            EncodedConversation t = samples.get(i).tokens();
            int row = i * x.length(), at = 0, n = 0;
            int firstImage = Arrays.stream(x.imageCounts()).limit(i).sum();
            for (int j = 0; j < t.length(); j++) {
                if (t.codes()[j] == EncodedConversation.IMAGE) {
                    assertEquals(at, x.imageStarts()[firstImage + n]);
                    assertEquals(i, x.imageRow(firstImage + n));
                    n++;
                    for (int k = 0; k < p; k++, at++) {
                        assertEquals(2, x.codes()[row + at]);
                        assertEquals(-100, x.labels()[row + at]);
                    }
                } else {
                    assertEquals(t.inputIds()[j], x.inputIds()[row + at]);
                    assertEquals(t.labels()[j], x.labels()[row + at]);
                    assertEquals(1, x.codes()[row + at++]);
                }
            }
            assertEquals(at, x.lengths()[i]);
            int[] reversed = x.spliceStarts(true);
            for (int k = 0; k < x.imageCounts()[i]; k++) {
                assertEquals(x.imageStarts()[firstImage + x.imageCounts()[i] - 1 - k], reversed[firstImage + k], "issue #800 pairing");
            }
            for (; at < x.length(); at++) assertEquals(0, x.codes()[row + at]);
        }
    }

    @Test
    void imagesAreStackedInSampleOrderAsTheProcessorWouldMakeThem() throws Exception {
        Batch b = Collator.placeholders(PRE, eos, 1).collate(samples());
        assertArrayEquals(new int[] {4, 3, 16, 16}, b.images().shape());
        float[] all = b.images().toFloatArray();
        int plane = 3 * 16 * 16;
        for (int i = 0; i < 4; i++) {
            float[] direct = PRE.preprocess(ImageDecoder.decode(dir.resolve("i" + i + ".png"), DecodeOptions.PILLOW_PARITY)).toFloatArray();
            assertArrayEquals(direct, Arrays.copyOfRange(all, i * plane, (i + 1) * plane), "image " + i);
        }
    }
}
