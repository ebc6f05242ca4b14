package org.visualchat.mmca.train;

import org.visualchat.mmca.model.ModelInput;

/**
 * What the trainer draws batches from: a fixed number of samples and a collator that turns a list of
 * sample indices into one batch (the original's Dataset + DataCollatorPadToMaxLen).
 */
public interface TrainingData {
    int size();

    /** The batch of the given samples, in the given order; null when none of them is usable (all skipped). */
    ModelInput batch(int[] sampleIndices);
}
