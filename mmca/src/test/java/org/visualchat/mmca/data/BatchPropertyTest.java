package org.visualchat.mmca.data;

import org.junit.jupiter.api.Test;
import org.visualchat.mmca.prompt.ConversationEncoder;
import org.visualchat.mmca.prompt.EncodedConversation;
import org.visualchat.mmca.prompt.MarkerNumbering;
import org.visualchat.mmca.prompt.Turn;
import org.visualchat.mmca.testing.Tokenizers;
import org.visualchat.vision.image.ClipPreprocessor;
import org.visualchat.vision.image.RgbImage;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Random batches in both layouts: codes are 2 exactly on the image positions the batch reports, 0 exactly on
 * padding; labels are -100 everywhere except the samples' answer tokens + EOS, which survive in order.
 */
class BatchPropertyTest {
    private static final String[] WORDS = {"the", "cat", "free", "software", "license", "東京", "42", "?"};
    private static final ClipPreprocessor PRE = new ClipPreprocessor(2, 2, ClipPreprocessor.CLIP_MEAN, ClipPreprocessor.CLIP_STD);
    private final ConversationEncoder encoder = new ConversationEncoder(Tokenizers.tiny());
    private final int eos = Tokenizers.tiny().eosId();

    @Test
    void codesLabelsAndPaddingOnRandomBatches() {
        SplittableRandom random = new SplittableRandom(3);
        for (int trial = 0; trial < 40; trial++) {
            List<Sample> samples = new ArrayList<>();
            int b = 1 + random.nextInt(4);
            for (int i = 0; i < b; i++) samples.add(randomSample("s" + i, random));
            int p = 1 + random.nextInt(6);
            boolean expanded = random.nextBoolean();
            Collator collator = expanded ? Collator.expanded(PRE, eos, p) : Collator.placeholders(PRE, eos, 1 + random.nextInt(8));
            Batch batch = collator.collate(samples);
            int width = expanded ? p : 1;
            String context = "trial " + trial + " P=" + width;
            if (expanded) {
                int longest = samples.stream().mapToInt(s -> s.tokens().length()).max().orElseThrow();
                int reference = samples.stream().mapToInt(s -> longest + s.images().size() * (p - 1)).max().orElseThrow();
                assertEquals((reference + 7) / 8 * 8, batch.length(), context);
            }
            int image = 0;
            for (int i = 0; i < b; i++) {
                EncodedConversation t = samples.get(i).tokens();
                int row = i * batch.length();
                boolean[] imagePosition = new boolean[batch.length()];
                for (int n = 0; n < batch.imageCounts()[i]; n++, image++) {
                    assertEquals(i, batch.imageRow(image), context);
                    for (int k = 0; k < width; k++) imagePosition[batch.imageStarts()[image] + k] = true;
                }
                List<Integer> labelled = new ArrayList<>();
                for (int j = 0; j < batch.length(); j++) {
                    int code = batch.codes()[row + j], label = batch.labels()[row + j];
                    boolean pad = j >= batch.lengths()[i];
                    assertEquals(pad ? 0 : imagePosition[j] ? 2 : 1, code, context + " row " + i + " pos " + j);
                    if (pad) assertEquals(eos, batch.inputIds()[row + j], context);
                    if (code != 1) assertEquals(EncodedConversation.IGNORE, label, context);
                    if (label != EncodedConversation.IGNORE) {
                        assertEquals(batch.inputIds()[row + j], label, context);
                        labelled.add(label);
                    }
                }
                List<Integer> expectedLabels = new ArrayList<>();
                for (int label : t.labels()) if (label != EncodedConversation.IGNORE) expectedLabels.add(label);
                assertEquals(expectedLabels, labelled, context);
                assertEquals(t.length() + samples.get(i).images().size() * (width - 1), batch.lengths()[i], context);
            }
            assertEquals(image, batch.imageCount());
            assertArrayEquals(new int[] {image, 3, 2, 2}, batch.images().shape());
        }
    }

    private Sample randomSample(String id, SplittableRandom random) {
        List<Turn> turns = new ArrayList<>();
        int budget = 8, images = 0;
        for (int r = 0, rounds = 1 + random.nextInt(3); r < rounds; r++) {
            int k = Math.min(budget, (r == 0 ? 1 : 0) + random.nextInt(3));
            budget -= k;
            images += k;
            turns.add(new Turn(words(random), words(random), k));
        }
        List<RgbImage> pixels = new ArrayList<>();
        for (int k = 0; k < images; k++) pixels.add(RgbImage.of(2, 2, new byte[12]));
        MarkerNumbering numbering = random.nextBoolean() ? MarkerNumbering.TEXT_LEVEL : MarkerNumbering.TOKEN_LEVEL;
        return new Sample(id, encoder.encode(turns, numbering), pixels);
    }

    private static String words(SplittableRandom random) {
        StringBuilder s = new StringBuilder(WORDS[random.nextInt(WORDS.length)]);
        for (int i = random.nextInt(5); i > 0; i--) s.append(' ').append(WORDS[random.nextInt(WORDS.length)]);
        return s.toString();
    }
}
