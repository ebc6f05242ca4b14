package org.visualchat.mmca.data;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Batches for one rank, epoch after epoch — the original's {@code DistributedSampler} + {@code DataLoader} +
 * collator, with bad samples skipped and counted instead of crashing the run.
 *
 * <p>Order: with {@code shuffle}, a permutation of the dataset seeded by {@code seed} (and the epoch when
 * {@code reshuffleEachEpoch}); the original never calls {@code set_epoch}, so its order is the same every
 * epoch — {@code reshuffleEachEpoch = false} reproduces that. With {@code dropLast} the order is cut to a
 * multiple of the world size, otherwise padded by wrapping around (as {@code DistributedSampler}); rank r reads
 * entries r, r+W, r+2W, …
 *
 * <p>Rendering: item i of epoch e is rendered with a generator seeded from (seed, e, i), so a sample does not
 * depend on what was read before it and a restored {@link LoaderState} continues exactly. Batches hold
 * {@code batchSize} good samples (the last one of an epoch may hold fewer); {@link #next()} returns null once at
 * the end of each epoch and then continues with the next. Not thread-safe.
 */
public final class DataLoader {
    /** Sampling options; {@link #training} are the original's training-loader settings. */
    public record Options(int batchSize, long seed, int rank, int worldSize, boolean shuffle, boolean reshuffleEachEpoch,
                          boolean dropLast) {
        public Options {
            if (batchSize < 1) throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
            if (worldSize < 1 || rank < 0 || rank >= worldSize) {
                throw new IllegalArgumentException("rank " + rank + " is not in a world of " + worldSize);
            }
        }

        /** {@code DistributedSampler(shuffle=True, drop_last=True)}, same order every epoch. */
        public static Options training(int batchSize, long seed, int rank, int worldSize) {
            return new Options(batchSize, seed, rank, worldSize, true, false, true);
        }

        /** {@code DistributedSampler(shuffle=False)}: every item, in order, padded across ranks. */
        public static Options evaluation(int batchSize, int rank, int worldSize) {
            return new Options(batchSize, 0, rank, worldSize, false, false, false);
        }
    }

    private final ConversationDataset dataset;
    private final SamplePreparer preparer;
    private final Collator collator;
    private final Options options;
    private final SkipLog skips;
    private int epoch;
    private int cursor;
    private int[] order;
    private int orderEpoch = -1;

    public DataLoader(ConversationDataset dataset, SamplePreparer preparer, Collator collator, Options options, SkipLog skips) {
        this.dataset = dataset;
        this.preparer = preparer;
        this.collator = collator;
        this.options = options;
        this.skips = skips;
    }

    public LoaderState state() {
        return new LoaderState(epoch, cursor);
    }

    /** Continue from a saved state (of a loader over the same dataset with the same options). */
    public void restore(LoaderState state) {
        if (state.cursor() > order(state.epoch()).length) {
            throw new IllegalArgumentException("loader state " + state + " is past the end of this rank's "
                    + order(state.epoch()).length + " samples per epoch");
        }
        epoch = state.epoch();
        cursor = state.cursor();
    }

    /** Entries this rank reads per epoch (an upper bound on samples: bad ones are skipped). */
    public int samplesPerEpoch() {
        return order(epoch).length;
    }

    public SkipLog skips() {
        return skips;
    }

    /** The next batch, or null at the end of the epoch (after which the loader is at the next epoch's start). */
    public Batch next() {
        int[] entries = order(epoch);
        List<Sample> samples = new ArrayList<>(options.batchSize());
        while (samples.size() < options.batchSize() && cursor < entries.length) {
            int index = entries[cursor++];
            SplittableRandom random = new SplittableRandom(renderSeed(options.seed(), epoch, index));
            String id = dataset.name() + "#" + index;
            try {
                Conversation conversation = dataset.get(index, random);
                id = conversation.id();
                samples.add(preparer.prepare(conversation));
            } catch (BadSampleException e) {
                skips.record(id, e);
            }
        }
        if (samples.isEmpty()) {
            epoch++;
            cursor = 0;
            return null;
        }
        return collator.collate(samples);
    }

    /** This rank's entries of {@code e}'s order. */
    private int[] order(int e) {
        int effective = options.reshuffleEachEpoch() ? e : 0;
        if (order != null && orderEpoch == effective) return order;
        int n = dataset.size(), world = options.worldSize();
        int[] all = new int[n];
        for (int i = 0; i < n; i++) all[i] = i;
        if (options.shuffle()) RandomGrouping.shuffle(all, new SplittableRandom(mix(options.seed(), effective, -1)));
        int total = options.dropLast() ? n / world * world : (n + world - 1) / world * world;
        int[] padded = total <= n ? Arrays.copyOf(all, total) : new int[total];
        for (int i = n; i < total; i++) padded[i] = all[(i - n) % Math.max(n, 1)];
        if (total > n) System.arraycopy(all, 0, padded, 0, n);
        int[] mine = new int[total / world];
        for (int i = 0; i < mine.length; i++) mine[i] = padded[options.rank() + i * world];
        order = mine;
        orderEpoch = effective;
        return mine;
    }

    /** The seed item {@code index} of {@code epoch} is rendered with (to show samples as a loader renders them). */
    public static long renderSeed(long seed, int epoch, int index) {
        return mix(seed, epoch, index);
    }

    /** A well-spread 64-bit seed from (seed, epoch, index) (SplitMix64 finaliser over a simple combination). */
    private static long mix(long seed, long epoch, long index) {
        long z = seed * 0x9E3779B97F4A7C15L + epoch * 0xC2B2AE3D27D4EB4FL + index * 0x165667B19E3779F9L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
