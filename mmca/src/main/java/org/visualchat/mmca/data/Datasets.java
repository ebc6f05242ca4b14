package org.visualchat.mmca.data;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Opens a dataset by the original's {@code --dataset_names} value ({@code utils/data/builder.py}), plus
 * {@code vqa} (VQA v2) and {@code jsonl:<file>} (our format, path relative to the data root or absolute).
 */
public final class Datasets {
    /** Every accepted name ({@code jsonl:<file>} aside). */
    public static final List<String> NAMES = List.of("aokvqa", "coco_caption", "llava", "llava_dial", "llava_otter_blend",
            "minigpt4", "ocr_vqa", "otter_mimicit_cgd", "otter_mimicit_sd", "otter_mimicit_sn", "otter_mimicit_tvc",
            "otter_mimicit_vst", "sparkles_dialogue", "vqa");

    private Datasets() {}

    /**
     * @param root         the original's {@code --data_path}
     * @param maxGroupSize {@code --dataset_concatenate_samples} for this dataset
     * @param maxImages    {@code --max_num_image_per_sample} (only the otter SN/TVC/VST filter uses it; default 8)
     * @param seed         grouping and preprocessing seed
     */
    public static ConversationDataset open(String name, Path root, int maxGroupSize, int maxImages, long seed) throws IOException {
        if (name.startsWith("jsonl:")) return JsonlReader.open(root.resolve(name.substring("jsonl:".length())), maxGroupSize, seed);
        return switch (name) {
            case "aokvqa" -> VqaReader.aokvqa(root, maxGroupSize, seed);
            case "coco_caption" -> CaptionReader.cocoCaption(root, maxGroupSize, seed);
            case "llava" -> LlavaReader.llava(root, maxGroupSize, seed);
            case "llava_dial" -> LlavaReader.llavaDial(root, maxGroupSize, seed);
            case "llava_otter_blend" -> LlavaOtterBlendReader.open(root, maxGroupSize, seed);
            case "minigpt4" -> CaptionReader.minigpt4(root, maxGroupSize, seed);
            case "ocr_vqa" -> VqaReader.ocrVqa(root, maxGroupSize, seed);
            case "otter_mimicit_cgd" -> OtterMimicItReader.open(OtterMimicItReader.Subset.CGD, root, maxGroupSize, maxImages, seed);
            case "otter_mimicit_sd" -> OtterMimicItReader.open(OtterMimicItReader.Subset.SD, root, maxGroupSize, maxImages, seed);
            case "otter_mimicit_sn" -> OtterMimicItReader.open(OtterMimicItReader.Subset.SN, root, maxGroupSize, maxImages, seed);
            case "otter_mimicit_tvc" -> OtterMimicItReader.open(OtterMimicItReader.Subset.TVC, root, maxGroupSize, maxImages, seed);
            case "otter_mimicit_vst" -> OtterMimicItReader.open(OtterMimicItReader.Subset.VST, root, maxGroupSize, maxImages, seed);
            case "sparkles_dialogue" -> SparklesReader.open(root, maxGroupSize, seed);
            case "vqa" -> VqaReader.vqaV2(root, maxGroupSize, seed);
            default -> throw new IllegalArgumentException("unknown dataset name \"" + name + "\"; known: " + String.join(", ", NAMES)
                    + ", jsonl:<file>");
        };
    }
}
