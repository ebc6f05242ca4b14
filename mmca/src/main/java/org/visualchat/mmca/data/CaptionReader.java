package org.visualchat.mmca.data;

import org.visualchat.mmca.prompt.MarkerNumbering;
import org.visualchat.mmca.prompt.Turn;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Caption datasets, one round "{random caption instruction}" → caption, token-level numbering:
 * <ul>
 *   <li>{@code coco_caption} ({@code coco_caption_dataset.py}): Karpathy's {@code coco_caption/dataset.json},
 *       top-level key {@code images}, items {@code {"filename": "COCO_val2014_000000391895.jpg", "sentences":
 *       [{"raw": "A man ..."}, ...]}}; one random sentence's {@code raw}; images {@code coco/2014/{filename}} (the
 *       original joins the file name to one folder holding both train2014 and val2014 images);</li>
 *   <li>{@code minigpt4} ({@code cc_sbu_align_dataset.py}): {@code cc_sbu_align/filter_cap.json}, key
 *       {@code annotations}, items {@code {"image_id": "2", "caption": "..."}}; images
 *       {@code cc_sbu_align/image/{image_id}.jpg}.</li>
 * </ul>
 */
public final class CaptionReader {
    private CaptionReader() {}

    /** {@code --dataset_names coco_caption}. */
    public static ConversationDataset cocoCaption(Path root, int maxGroupSize, long seed) throws IOException {
        String source = "https://cs.stanford.edu/people/karpathy/deepimagesent/coco.zip";
        Path images = AnnotationFiles.requireDirectory(root.resolve("coco/2014"), "coco_caption", "COCO 2014 train+val images");
        List<?> annotations = AnnotationFiles.readList(
                AnnotationFiles.requireFile(root.resolve("coco_caption/dataset.json"), "coco_caption", source), "images");
        return new GroupedDataset<>("coco_caption", annotations, maxGroupSize, seed, (ann, id, random) -> {
            Map<?, ?> a = Fields.object(ann, id);
            // The original wraps a non-list "sentences" into a list before choosing.
            Object sentences = a.get("sentences");
            List<?> all = sentences instanceof List<?> l ? l : sentences == null ? List.of() : List.of(sentences);
            if (all.isEmpty()) throw Fields.malformed(id + ".sentences", "is missing or empty");
            int pick = random.nextInt(all.size());
            String caption = Fields.string(Fields.object(all.get(pick), id + ".sentences[" + pick + "]"), "raw",
                    id + ".sentences[" + pick + "]");
            return single(id, CaptionInstructions.pick(random), caption, images.resolve(Fields.string(a, "filename", id)));
        });
    }

    /** {@code --dataset_names minigpt4}. */
    public static ConversationDataset minigpt4(Path root, int maxGroupSize, long seed) throws IOException {
        String source = "https://huggingface.co/datasets/Vision-CAIR/cc_sbu_align";
        Path images = AnnotationFiles.requireDirectory(root.resolve("cc_sbu_align/image"), "minigpt4", source);
        List<?> annotations = AnnotationFiles.readList(
                AnnotationFiles.requireFile(root.resolve("cc_sbu_align/filter_cap.json"), "minigpt4", source), "annotations");
        return new GroupedDataset<>("minigpt4", annotations, maxGroupSize, seed, (ann, id, random) -> {
            Map<?, ?> a = Fields.object(ann, id);
            String question = CaptionInstructions.pick(random);
            return single(id, question, Fields.string(a, "caption", id), images.resolve(Fields.idText(a, "image_id", id) + ".jpg"));
        });
    }

    /** One round, one image, token-level numbering: the shape of every single-image VQA-style item. */
    static Conversation single(String id, String question, String answer, Path image) {
        return new Conversation(id, List.of(new Turn(question, answer, 1)), List.of(ImageSource.file(image)),
                MarkerNumbering.TOKEN_LEVEL);
    }
}
