package org.visualchat.mmca.train;

import org.visualchat.mmca.data.BadSampleException;
import org.visualchat.mmca.data.Batch;
import org.visualchat.mmca.data.Collator;
import org.visualchat.mmca.data.ConversationDataset;
import org.visualchat.mmca.data.Sample;
import org.visualchat.mmca.data.SamplePreparer;
import org.visualchat.mmca.data.SkipLog;
import org.visualchat.mmca.model.ModelInput;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * {@link TrainingData} over the data pipeline (mmca/docs/data.md): each index is rendered from its
 * dataset with a generator seeded by (seed, index), so a sample is the same whenever it is drawn,
 * prepared (tokens, images), and the good ones collated in the original collator's layout (one
 * {@code <image>} slot per image; the model splices). Bad samples are recorded in the skip log.
 */
public final class ConversationData implements TrainingData {
    private final ConversationDataset dataset;
    private final SamplePreparer preparer;
    private final Collator collator;
    private final long seed;
    private final SkipLog skips;

    public ConversationData(ConversationDataset dataset, SamplePreparer preparer, Collator collator, long seed, SkipLog skips) {
        this.dataset = dataset;
        this.preparer = preparer;
        this.collator = collator;
        this.seed = seed;
        this.skips = skips;
    }

    @Override
    public int size() {
        return dataset.size();
    }

    @Override
    public ModelInput batch(int[] sampleIndices) {
        List<Sample> samples = new ArrayList<>();
        for (int i : sampleIndices) {
            try {
                samples.add(preparer.prepare(dataset.get(i, new SplittableRandom(seed * 0x9E3779B97F4A7C15L + i))));
            } catch (BadSampleException e) {
                skips.record(dataset.name() + "[" + i + "]", e);
            }
        }
        return samples.isEmpty() ? null : toModelInput(collator.collate(samples));
    }

    /** A collated batch in the placeholder layout (one slot per image) as the model's input. */
    public static ModelInput toModelInput(Batch batch) {
        if (batch.tokensPerImage() != 1) throw new IllegalArgumentException("the model splices images itself: collate with Collator.placeholders, not expanded");
        int b = batch.size(), l = batch.length();
        int[][] ids = new int[b][], codes = new int[b][], labels = new int[b][];
        for (int r = 0; r < b; r++) {
            ids[r] = Arrays.copyOfRange(batch.inputIds(), r * l, (r + 1) * l);
            codes[r] = Arrays.copyOfRange(batch.codes(), r * l, (r + 1) * l);
            labels[r] = Arrays.copyOfRange(batch.labels(), r * l, (r + 1) * l);
        }
        return new ModelInput(ids, codes, labels, batch.imageCounts().clone(), batch.images());
    }
}
