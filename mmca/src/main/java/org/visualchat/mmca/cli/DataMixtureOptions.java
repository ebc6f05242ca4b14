package org.visualchat.mmca.cli;

import org.visualchat.mmca.data.DataMixture;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * The data-mixture options of the original's {@code main.py} (reference §4), shared by {@code train} and
 * {@code data} as a picocli mixin: main.py's names, plus the shorter names {@code data} always had.
 * List options take several values after one flag ({@code --dataset_names llava llava_dial}) or one value
 * separated by spaces or commas; per-dataset lists follow main.py's broadcast rule ({@link DataMixture#open}).
 */
final class DataMixtureOptions {
    @Option(names = {"--data_path", "--data-path"}, defaultValue = "./data/", description = "Dataset root (default: ${DEFAULT-VALUE}).")
    Path root;

    @Option(names = {"--dataset_names", "--datasets"}, arity = "1..*", split = " |,", defaultValue = "minigpt4",
            description = "Datasets: llava, llava_dial, ..., jsonl:<file> (default: ${DEFAULT-VALUE}).")
    List<String> names;

    @Option(names = {"--dataset_samples", "--samples"}, arity = "1..*", split = " |,", defaultValue = "all",
            description = "Per dataset: 'all' or a sample count (one value is broadcast).")
    List<String> samples;

    @Option(names = {"--dataset_concatenate_samples", "--concat"}, arity = "1..*", split = " |,", defaultValue = "1",
            description = "Per dataset: max samples grouped into one (one value is broadcast).")
    List<Integer> concatenate;

    @Option(names = {"--max_num_image_per_sample", "--max-images"}, defaultValue = "8",
            description = "Otter SN/TVC/VST image filter (default: ${DEFAULT-VALUE}).")
    int maxImages;

    /** Checks the values before a command loads anything (open() reads the datasets). */
    void check() {
        OptionChecks.atLeast("--max_num_image_per_sample (--max-images)", maxImages, 1);
        for (int n : concatenate) OptionChecks.atLeast("--dataset_concatenate_samples (--concat)", n, 1);
    }

    /** The mixture these options name, grouped and subsampled with {@code seed}. */
    DataMixture open(long seed) throws IOException {
        return DataMixture.open(root, names, samples, concatenate, maxImages, seed);
    }
}
