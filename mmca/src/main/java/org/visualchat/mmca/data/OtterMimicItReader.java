package org.visualchat.mmca.data;

import org.visualchat.mmca.prompt.MarkerNumbering;
import org.visualchat.mmca.prompt.Turn;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;

/**
 * Otter's MIMIC-IT subsets ({@code otter_mimicit_{cgd,sd,sn,tvc,vst}_dataset.py}), files under
 * {@code MIMIC-IT/}: {@code {X}_instructions.json} (see {@link MimicItInstructions}); images: CGD from COCO,
 * {@code coco/train2017/{image_id[8:]}.jpg} ("CGD_IMG_000000426149" → "000000426149.jpg"); SD/SN/TVC/VST from
 * {@code {X}.json}, an object image id → base64 JPEG.
 *
 * <p>Preprocessing (the original does it once on rank 0 with an unseeded key shuffle, caching the result): keys
 * shuffled with {@code seed}; SD/SN/TVC/VST keep only image ids present in {@code {X}.json} and drop instructions
 * left with none; SN/TVC/VST also drop those with more than {@code maxImages} ({@code --max_num_image_per_sample}).
 * If the original's cache ({@code {X}_instructions_merged.json} for CGD/SD,
 * {@code {X}_instructions_merged_filtered{max}.json} for SN/TVC/VST) exists it is read instead, so a dataset
 * prepared by the original gives the same items.
 *
 * <p>Each item: all of its images, the instructions in random order, round 1 carries every image's marker
 * ({@code ### Image 1:} … {@code ### Image n:}) and the system prompt, later rounds are text only; text-level
 * numbering. Only groups of one: the original's {@code __getitem__} reads {@code annotation[index][0]}, silently
 * dropping the rest of a larger group, so a group size above 1 is refused here.
 */
public final class OtterMimicItReader {
    static final String SOURCE = "https://huggingface.co/datasets/pufanyi/MIMICIT";

    /** The five subsets: dataset name, file prefix, whether images are base64 in {@code {X}.json}, max filter. */
    public enum Subset {
        CGD("otter_mimicit_cgd", false, false),
        SD("otter_mimicit_sd", true, false),
        SN("otter_mimicit_sn", true, true),
        TVC("otter_mimicit_tvc", true, true),
        VST("otter_mimicit_vst", true, true);

        final String datasetName;
        final boolean base64Images;
        final boolean maxFilter;

        Subset(String datasetName, boolean base64Images, boolean maxFilter) {
            this.datasetName = datasetName;
            this.base64Images = base64Images;
            this.maxFilter = maxFilter;
        }

        public String datasetName() { return datasetName; }
    }

    private OtterMimicItReader() {}

    public static ConversationDataset open(Subset subset, Path root, int maxGroupSize, int maxImages, long seed) throws IOException {
        String name = subset.datasetName;
        requireSingle(name, maxGroupSize);
        Path dir = root.resolve("MIMIC-IT");
        Path raw = AnnotationFiles.requireFile(dir.resolve(subset.name() + "_instructions.json"), name, SOURCE);
        Base64ImageFile base64 = subset.base64Images
                ? Base64ImageFile.index(AnnotationFiles.requireFile(dir.resolve(subset.name() + ".json"), name, SOURCE))
                : null;
        Path cocoImages = subset.base64Images ? null
                : AnnotationFiles.requireDirectory(root.resolve("coco/train2017"), name, "COCO 2017 train images");
        Path cache = dir.resolve(subset.name() + "_instructions_merged" + (subset.maxFilter ? "_filtered" + maxImages : "") + ".json");
        List<MimicItInstructions.Merged> merged;
        if (Files.isRegularFile(cache)) {
            merged = MimicItInstructions.readMerged(AnnotationFiles.readList(cache, null));
        } else {
            Map<?, ?> data = AnnotationFiles.readObject(raw, "data");
            List<String> keys = new ArrayList<>();
            for (Object k : data.keySet()) keys.add((String) k);
            Collections.shuffle(keys, new SplittableRandom(seed));
            merged = MimicItInstructions.merge(name, data, keys, ids -> {
                if (!subset.base64Images) return ids;
                List<String> kept = ids.stream().filter(base64::contains).toList();
                boolean ok = !kept.isEmpty() && (!subset.maxFilter || kept.size() <= maxImages);
                return ok ? kept : null;
            });
        }
        return new GroupedDataset<>(name, merged, 1, seed, (ann, id, random) -> {
            List<ImageSource> images = new ArrayList<>();
            for (String image : ann.imageIds()) {
                if (subset.base64Images) {
                    ImageSource stored = base64.source(image);
                    if (stored == null) {
                        throw new BadSampleException(SkipReason.MISSING_IMAGE, id + ": image " + image + " not in " + subset.name() + ".json");
                    }
                    images.add(stored);
                } else {
                    images.add(ImageSource.file(cocoImages.resolve(cgdImageFile(image, id))));
                }
            }
            return new Conversation(id, shuffledRounds(ann.instructions(), ann.answers(), images.size(), random),
                    images, MarkerNumbering.TEXT_LEVEL);
        });
    }

    /** {@code convert_image_id}: {@code image_id[8:] + ".jpg"}. */
    static String cgdImageFile(String imageId, String id) throws BadSampleException {
        if (imageId.length() <= 8) throw Fields.malformed(id + ".image_ids", "holds \"" + imageId + "\", too short for image_id[8:]");
        return imageId.substring(8) + ".jpg";
    }

    /** The rounds of a merged instruction in random order, the first introducing all {@code images}. */
    static List<Turn> shuffledRounds(List<String> instructions, List<String> answers, int images, RandomGenerator random) {
        int[] order = new int[instructions.size()];
        for (int i = 0; i < order.length; i++) order[i] = i;
        RandomGrouping.shuffle(order, random);
        List<Turn> turns = new ArrayList<>();
        for (int r = 0; r < order.length; r++) {
            turns.add(new Turn(LlavaReader.cleanQuestion(instructions.get(order[r])), answers.get(order[r]), r == 0 ? images : 0));
        }
        return turns;
    }

    static void requireSingle(String name, int maxGroupSize) {
        if (maxGroupSize != 1) {
            throw new IllegalArgumentException(name + ": --dataset_concatenate_samples must be 1 (the original uses only "
                    + "the first annotation of each group and silently drops the rest), got " + maxGroupSize);
        }
    }
}
