package org.visualchat.mmca.data;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;

/**
 * Several datasets as one, each optionally subsampled, then shuffled and split — {@code build_dataset} +
 * {@code ConcatDataset} + {@code shuffle_dataset} + {@code split_dataset} of the original (reference §4.1):
 * <ul>
 *   <li>{@code --dataset_samples}: a count n takes a random subset of min(n, size) distinct items
 *       ({@code np.random.choice(replace=False)}), -1 ({@code all}) takes every item — the mixture ratio is set by
 *       these counts;</li>
 *   <li>the union is permuted with the seed and split into the first {@code floor(N·ratio)} items (train) and the
 *       rest (eval), {@code --data_train_split_ratio} 0.9.</li>
 * </ul>
 * Deterministic per seed (not the original's NumPy streams). Immutable.
 */
public final class DataMixture implements ConversationDataset {
    /** Take every item of a dataset ({@code --dataset_samples all}). */
    public static final int ALL = -1;

    private final List<ConversationDataset> datasets;
    private final int[] datasetOf;
    private final int[] itemOf;
    private final String name;

    private DataMixture(String name, List<ConversationDataset> datasets, int[] datasetOf, int[] itemOf) {
        this.name = name;
        this.datasets = datasets;
        this.datasetOf = datasetOf;
        this.itemOf = itemOf;
    }

    /**
     * @param sampleCounts per dataset: {@link #ALL} or how many items to draw (capped at the dataset's size)
     */
    public static DataMixture of(List<ConversationDataset> datasets, List<Integer> sampleCounts, long seed) {
        if (datasets.size() != sampleCounts.size()) {
            throw new IllegalArgumentException(datasets.size() + " datasets but " + sampleCounts.size() + " sample counts");
        }
        SplittableRandom random = new SplittableRandom(seed);
        List<Integer> datasetOf = new ArrayList<>(), itemOf = new ArrayList<>();
        for (int d = 0; d < datasets.size(); d++) {
            int size = datasets.get(d).size(), count = sampleCounts.get(d);
            if (count < ALL) throw new IllegalArgumentException("sample count for " + datasets.get(d).name() + " must be >= 0 or ALL, got " + count);
            int[] items = count == ALL ? identity(size) : RandomGrouping.sample(size, Math.min(count, size), random);
            for (int item : items) {
                datasetOf.add(d);
                itemOf.add(item);
            }
        }
        String name = String.join("+", datasets.stream().map(ConversationDataset::name).toList());
        return new DataMixture(name, List.copyOf(datasets),
                datasetOf.stream().mapToInt(Integer::intValue).toArray(), itemOf.stream().mapToInt(Integer::intValue).toArray());
    }

    /**
     * The original's command-line form ({@code build_dataset} + {@code main.py}): one entry per name in
     * {@code names}; {@code samples} ("all" or a count) and {@code concatenate} (max group size) either have one
     * value per name or exactly one value, which then applies to every name.
     *
     * @param maxImages {@code --max_num_image_per_sample}
     */
    public static DataMixture open(Path root, List<String> names, List<String> samples, List<Integer> concatenate,
                                   int maxImages, long seed) throws IOException {
        List<ConversationDataset> datasets = new ArrayList<>();
        List<Integer> counts = new ArrayList<>();
        for (int i = 0; i < names.size(); i++) {
            String count = perName(samples, i, names, "--dataset_samples");
            datasets.add(Datasets.open(names.get(i), root, perName(concatenate, i, names, "--dataset_concatenate_samples"),
                    maxImages, seed + i));
            try {
                counts.add(count.equals("all") ? ALL : Integer.parseInt(count));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--dataset_samples value \"" + count + "\" for " + names.get(i)
                        + " is neither \"all\" nor an integer");
            }
        }
        return of(datasets, counts, seed);
    }

    private static <T> T perName(List<T> values, int i, List<String> names, String option) {
        if (values.size() == names.size()) return values.get(i);
        if (values.size() == 1) return values.getFirst();
        throw new IllegalArgumentException(option + " has " + values.size() + " values for " + names.size()
                + " datasets; give one per dataset or a single value for all");
    }

    /** Train and eval parts. */
    public record Split(DataMixture train, DataMixture eval) {}

    /** {@code shuffle_dataset} with {@code seed}, then {@code split_dataset(ratio)}: train = first floor(N·ratio). */
    public Split shuffledSplit(double trainRatio, long seed) {
        if (!(trainRatio >= 0 && trainRatio <= 1)) throw new IllegalArgumentException("train ratio must be in [0, 1], got " + trainRatio);
        int[] order = identity(size());
        RandomGrouping.shuffle(order, new SplittableRandom(seed));
        int cut = (int) Math.floor(size() * trainRatio);
        return new Split(subset(java.util.Arrays.copyOf(order, cut), name + ":train"),
                subset(java.util.Arrays.copyOfRange(order, cut, order.length), name + ":eval"));
    }

    private DataMixture subset(int[] positions, String subsetName) {
        int[] d = new int[positions.length], i = new int[positions.length];
        for (int k = 0; k < positions.length; k++) {
            d[k] = datasetOf[positions[k]];
            i[k] = itemOf[positions[k]];
        }
        return new DataMixture(subsetName, datasets, d, i);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public int size() {
        return itemOf.length;
    }

    /** The dataset item {@code index} comes from. */
    public ConversationDataset datasetOf(int index) {
        return datasets.get(datasetOf[index]);
    }

    /** Its index within that dataset. */
    public int itemOf(int index) {
        return itemOf[index];
    }

    @Override
    public Conversation get(int index, RandomGenerator random) throws BadSampleException {
        return datasets.get(datasetOf[index]).get(itemOf[index], random);
    }

    private static int[] identity(int n) {
        int[] a = new int[n];
        for (int i = 0; i < n; i++) a[i] = i;
        return a;
    }
}
