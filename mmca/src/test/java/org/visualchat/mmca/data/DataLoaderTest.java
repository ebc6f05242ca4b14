package org.visualchat.mmca.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.visualchat.mmca.prompt.ConversationEncoder;
import org.visualchat.mmca.prompt.MarkerNumbering;
import org.visualchat.mmca.prompt.Turn;
import org.visualchat.mmca.testing.Fixtures;
import org.visualchat.mmca.testing.SyntheticDataset;
import org.visualchat.mmca.testing.Tokenizers;
import org.visualchat.tensor.io.Json;
import org.visualchat.vision.image.ClipPreprocessor;
import org.visualchat.vision.image.DecodeOptions;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.IntFunction;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Skipping with counted reasons, determinism per seed, resumable state, sharding across ranks. */
class DataLoaderTest {
    private static final ClipPreprocessor PRE = new ClipPreprocessor(8, 8, ClipPreprocessor.CLIP_MEAN, ClipPreprocessor.CLIP_STD);

    @TempDir
    Path dir;

    private SamplePreparer preparer(int maxSeqLen) {
        return new SamplePreparer(new ConversationEncoder(Tokenizers.tiny()), PRE, DecodeOptions.PILLOW_PARITY, maxSeqLen, 4);
    }

    private DataLoader loader(ConversationDataset data, DataLoader.Options options, SkipLog skips) {
        return new DataLoader(data, preparer(0), Collator.expanded(PRE, Tokenizers.tiny().eosId(), 4), options, skips);
    }

    private static List<String> epoch(DataLoader loader) {
        List<String> ids = new ArrayList<>();
        for (Batch b = loader.next(); b != null; b = loader.next()) ids.addAll(b.sampleIds());
        return ids;
    }

    @Test
    void badSamplesAreSkippedCountedAndSummarised() throws Exception {
        Path garbage = Fixtures.text(dir, "garbage.jpg", "not an image");
        Path onePixel = org.visualchat.mmca.testing.Images.write(dir.resolve("tiny.png"), 0);
        java.nio.file.Files.write(onePixel, org.visualchat.mmca.testing.Images.png(1, 5, 0));
        String longAnswer = String.join(" ", java.util.Collections.nCopies(400, "distribution"));
        IntFunction<Conversation> bad = i -> switch (i) {
            case 3 -> new Conversation("missing", List.of(new Turn("q", "a", 1)), List.of(ImageSource.file(dir.resolve("nope.jpg"))), MarkerNumbering.TEXT_LEVEL);
            case 5 -> new Conversation("garbage", List.of(new Turn("q", "a", 1)), List.of(ImageSource.file(garbage)), MarkerNumbering.TEXT_LEVEL);
            case 6 -> new Conversation("onepixel", List.of(new Turn("q", "a", 1)), List.of(ImageSource.file(onePixel)), MarkerNumbering.TEXT_LEVEL);
            case 7 -> new Conversation("mismatch", List.of(new Turn("q", "a", 2)), List.of(ImageSource.file(onePixel)), MarkerNumbering.TEXT_LEVEL);
            case 8 -> new Conversation("tag", List.of(new Turn("q <image>", "a", 1)), List.of(ImageSource.file(onePixel)), MarkerNumbering.TEXT_LEVEL);
            case 11 -> new Conversation("long", List.of(new Turn("q", longAnswer, 1)), List.of(ImageSource.file(onePixel)), MarkerNumbering.TEXT_LEVEL);
            case 13 -> new Conversation("noimage", List.of(new Turn("q", "a", 0)), List.of(), MarkerNumbering.TEXT_LEVEL);
            case 17 -> new Conversation("nine", List.of(new Turn("q", "a", 9)), java.util.Collections.nCopies(9, ImageSource.file(onePixel)), MarkerNumbering.TEXT_LEVEL);
            default -> null;
        };
        SyntheticDataset data = new SyntheticDataset("syn", 23, dir, bad);
        SkipLog skips = new SkipLog(1);
        DataLoader loader = new DataLoader(data, preparer(450), Collator.expanded(PRE, 2, 4),
                DataLoader.Options.training(4, 1, 0, 1), skips);
        List<Integer> sizes = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        for (Batch b = loader.next(); b != null; b = loader.next()) {
            sizes.add(b.size());
            ids.addAll(b.sampleIds());
            assertEquals(0, b.length() % 8);
        }
        assertEquals(23 - 8, ids.size(), skips.summary());
        assertEquals(List.of(4, 4, 4, 3), sizes, "batches are refilled past skipped samples");
        assertEquals(Map.of(SkipReason.MISSING_IMAGE, 1L, SkipReason.UNREADABLE_IMAGE, 2L, SkipReason.IMAGE_COUNT_MISMATCH, 2L,
                SkipReason.TOO_LONG, 1L, SkipReason.NO_IMAGE, 1L, SkipReason.TOO_MANY_IMAGES, 1L), skips.counts());
        assertEquals("skipped 8 samples: MISSING_IMAGE=1, UNREADABLE_IMAGE=2, IMAGE_COUNT_MISMATCH=2, NO_IMAGE=1, "
                + "TOO_MANY_IMAGES=1, TOO_LONG=1", skips.summary());
        assertEquals(new LoaderState(1, 0), loader.state());
    }

    @Test
    void sameSeedSameBatchesOtherSeedOtherOrder() {
        SyntheticDataset data = new SyntheticDataset("syn", 17, dir);
        DataLoader a = loader(data, DataLoader.Options.training(3, 7, 0, 1), new SkipLog());
        DataLoader b = loader(data, DataLoader.Options.training(3, 7, 0, 1), new SkipLog());
        for (Batch x = a.next(), y = b.next(); x != null || y != null; x = a.next(), y = b.next()) {
            assertEquals(x.sampleIds(), y.sampleIds());
            assertArrayEquals(x.inputIds(), y.inputIds());
            assertArrayEquals(x.images().toFloatArray(), y.images().toFloatArray());
        }
        List<String> seven = epoch(loader(data, DataLoader.Options.training(3, 7, 0, 1), new SkipLog()));
        List<String> eight = epoch(loader(data, DataLoader.Options.training(3, 8, 0, 1), new SkipLog()));
        assertNotEquals(seven, eight);
        assertEquals(new HashSet<>(seven), new HashSet<>(eight));
    }

    @Test
    void aRestoredStateContinuesExactlyIncludingAcrossEpochs() {
        SyntheticDataset data = new SyntheticDataset("syn", 10, dir);
        DataLoader.Options options = new DataLoader.Options(3, 5, 0, 1, true, true, true);
        DataLoader full = loader(data, options, new SkipLog());
        List<Batch> reference = new ArrayList<>();
        for (int i = 0; i < 12; i++) reference.add(full.next());   // spans three epochs (4 batches + end marker each)
        for (int stop : new int[] {0, 1, 4, 5, 9, 11}) {   // mid-epoch, at an epoch's end marker, in later epochs
            DataLoader first = loader(data, options, new SkipLog());
            for (int i = 0; i < stop; i++) first.next();
            LoaderState saved = LoaderState.fromMap((Map<?, ?>) Json.parse(Json.write(first.state().toMap())));
            DataLoader resumed = loader(data, options, new SkipLog());
            resumed.restore(saved);
            for (int i = stop; i < 12; i++) {
                Batch expected = reference.get(i), got = resumed.next();
                if (expected == null) {
                    assertNull(got, "stop " + stop + " step " + i);
                } else {
                    assertEquals(expected.sampleIds(), got.sampleIds(), "stop " + stop + " step " + i);
                    assertArrayEquals(expected.inputIds(), got.inputIds(), "rendering randomness is per (seed, epoch, index)");
                }
            }
        }
    }

    @Test
    void epochOrderIsFixedLikeTheOriginalUnlessReshuffled() {
        SyntheticDataset data = new SyntheticDataset("syn", 12, dir);
        DataLoader same = loader(data, DataLoader.Options.training(5, 3, 0, 1), new SkipLog());
        assertEquals(epoch(same), epoch(same), "set_epoch is never called in the original");
        DataLoader reshuffled = loader(data, new DataLoader.Options(5, 3, 0, 1, true, true, true), new SkipLog());
        assertNotEquals(epoch(reshuffled), epoch(reshuffled));
    }

    @Test
    void ranksReadDisjointShardsOfTheSameOrder() {
        SyntheticDataset data = new SyntheticDataset("syn", 20, dir);
        Set<String> union = new HashSet<>();
        int total = 0;
        for (int rank = 0; rank < 3; rank++) {
            DataLoader l = loader(data, DataLoader.Options.training(2, 4, rank, 3), new SkipLog());
            assertEquals(6, l.samplesPerEpoch(), "drop_last: floor(20/3) per rank");
            List<String> ids = epoch(l);
            total += ids.size();
            union.addAll(ids);
        }
        assertEquals(18, total);
        assertEquals(18, union.size());
        DataLoader eval = loader(data, DataLoader.Options.evaluation(4, 2, 3), new SkipLog());
        assertEquals(7, eval.samplesPerEpoch(), "padded to 21 by wrapping around");
        assertEquals(List.of("syn[2]", "syn[5]", "syn[8]", "syn[11]", "syn[14]", "syn[17]", "syn[0]"), epoch(eval));
    }

    @Test
    void mixtureCountsAndSplit() {
        List<ConversationDataset> parts = List.of(new SyntheticDataset("a", 50, dir), new SyntheticDataset("b", 10, dir),
                new SyntheticDataset("c", 5, dir));
        DataMixture mix = DataMixture.of(parts, List.of(20, DataMixture.ALL, 100), 11);
        assertEquals(35, mix.size());
        int[] perDataset = new int[3];
        Set<String> items = new HashSet<>();
        for (int i = 0; i < mix.size(); i++) {
            perDataset[parts.indexOf(mix.datasetOf(i))]++;
            assertTrue(items.add(mix.datasetOf(i).name() + mix.itemOf(i)), "drawn without replacement");
        }
        assertArrayEquals(new int[] {20, 10, 5}, perDataset, "the ratio is exactly the sample counts");
        DataMixture again = DataMixture.of(parts, List.of(20, DataMixture.ALL, 100), 11);
        for (int i = 0; i < mix.size(); i++) assertEquals(mix.itemOf(i), again.itemOf(i));
        DataMixture.Split split = mix.shuffledSplit(0.9, 1234);
        assertEquals(31, split.train().size());
        assertEquals(4, split.eval().size());
        Set<String> both = new HashSet<>();
        for (DataMixture part : List.of(split.train(), split.eval())) {
            for (int i = 0; i < part.size(); i++) both.add(part.datasetOf(i).name() + part.itemOf(i));
        }
        assertEquals(items, both, "train and eval partition the mixture");
        int[] trainA = {0};
        for (int i = 0; i < split.train().size(); i++) if (split.train().datasetOf(i).name().equals("a")) trainA[0]++;
        assertTrue(trainA[0] >= 16 && trainA[0] <= 20, "shuffled before the cut: " + Arrays.toString(trainA));
    }
}
