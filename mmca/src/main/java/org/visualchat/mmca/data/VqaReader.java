package org.visualchat.mmca.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Question-answering datasets, one round per item, token-level numbering (all as {@link CaptionReader#single}).
 * <ul>
 *   <li>{@code aokvqa} ({@code aokvqa_dataset.py}): {@code aokvqa/annotations/aokvqa_v1p0_train.json}, a list of
 *       {@code {"image_id": 299207, "question": "...", "choices": [...], "correct_choice_idx": 0, "rationales":
 *       [...]}}; Q = question + " " + one of 7 "why" prompts, A = "The answer is {choice}. Because {rationales
 *       joined by spaces}"; images {@code coco/train2017/{image_id zero-padded to 12}.jpg};</li>
 *   <li>{@code ocr_vqa} ({@code ocr_vqa_dataset.py}): {@code OCR_VQA/dataset.json}, an object {@code {key:
 *       {"imageURL": "http://.../x.jpg", "questions": [...], "answers": [...], ...}}}; image
 *       {@code OCR_VQA/images/{key}{extension of imageURL}}; one random (question, answer) pair. If the original's
 *       preprocessed {@code OCR_VQA/dataset_processed.json} (a list with {@code filename}) exists it is read
 *       instead. The original drops images of at most 1 pixel wide or high while preprocessing; here they are
 *       skipped when prepared ({@link SamplePreparer});</li>
 *   <li>{@code vqa} (VQA v2; not one of the original's 13 names — its base {@code VQADataset.process_text}
 *       defines the rendering: the most frequent of the answers, first seen on ties, question as is): the
 *       official {@code vqav2/v2_OpenEnded_mscoco_train2014_questions.json} (key {@code questions}: {@code
 *       image_id, question, question_id}) and {@code vqav2/v2_mscoco_train2014_annotations.json} (key
 *       {@code annotations}: {@code question_id, answers[].answer}); images
 *       {@code coco/train2014/COCO_train2014_{image_id:012d}.jpg}. The base class's "options" branch raises
 *       NotImplementedError in the original, so it is not reproduced.</li>
 * </ul>
 */
public final class VqaReader {
    /** {@code aokvqa_dataset.REASON_QUESTIONS}. */
    static final List<String> REASON_QUESTIONS = List.of("Why?", "Why is this?", "And why?", "What is the reason?",
            "And can you tell me why?", "Can you tell me why?", "Can you tell me the reason?");

    private VqaReader() {}

    /** {@code --dataset_names aokvqa}. */
    public static ConversationDataset aokvqa(Path root, int maxGroupSize, long seed) throws IOException {
        String source = "https://allenai.org/project/a-okvqa/home";
        Path images = AnnotationFiles.requireDirectory(root.resolve("coco/train2017"), "aokvqa", "COCO 2017 train images");
        List<?> annotations = AnnotationFiles.readList(AnnotationFiles.requireFile(
                root.resolve("aokvqa/annotations/aokvqa_v1p0_train.json"), "aokvqa", source), null);
        return new GroupedDataset<>("aokvqa", annotations, maxGroupSize, seed, (ann, id, random) -> {
            Map<?, ?> a = Fields.object(ann, id);
            String question = Fields.string(a, "question", id) + " " + REASON_QUESTIONS.get(random.nextInt(REASON_QUESTIONS.size()));
            List<?> choices = Fields.list(a, "choices", id);
            long correct = Fields.integer(a, "correct_choice_idx", id);
            String choice = Fields.string(choices, correct > Integer.MAX_VALUE ? -1 : (int) correct, id + ".choices");
            List<?> rationales = Fields.list(a, "rationales", id);
            List<String> reasons = new ArrayList<>();
            for (int i = 0; i < rationales.size(); i++) reasons.add(Fields.string(rationales, i, id + ".rationales"));
            String answer = "The answer is " + choice + ". Because " + String.join(" ", reasons);
            String image = Fields.idText(a, "image_id", id);
            return CaptionReader.single(id, question, answer, images.resolve(zeroPad12(image) + ".jpg"));
        });
    }

    /** {@code --dataset_names ocr_vqa}. */
    public static ConversationDataset ocrVqa(Path root, int maxGroupSize, long seed) throws IOException {
        String source = "https://ocr-vqa.github.io/";
        Path images = AnnotationFiles.requireDirectory(root.resolve("OCR_VQA/images"), "ocr_vqa", source);
        Path raw = AnnotationFiles.requireFile(root.resolve("OCR_VQA/dataset.json"), "ocr_vqa", source);
        Path processed = root.resolve("OCR_VQA/dataset_processed.json");
        List<Map<?, ?>> annotations = new ArrayList<>();
        if (Files.isRegularFile(processed)) {
            for (Object item : AnnotationFiles.readList(processed, null)) annotations.add(item instanceof Map<?, ?> m ? m : Map.of());
        } else {
            for (Map.Entry<?, ?> e : AnnotationFiles.readObject(raw, null).entrySet()) {
                Map<Object, Object> item = new LinkedHashMap<>(e.getValue() instanceof Map<?, ?> m ? m : Map.of());
                if (item.get("imageURL") instanceof String url) item.put("filename", e.getKey() + extension(url));
                annotations.add(item);
            }
        }
        return new GroupedDataset<>("ocr_vqa", annotations, maxGroupSize, seed, (a, id, random) -> {
            List<?> questions = Fields.list(a, "questions", id), answers = Fields.list(a, "answers", id);
            if (questions.isEmpty()) throw Fields.malformed(id + ".questions", "is empty");
            int pick = random.nextInt(questions.size());
            return CaptionReader.single(id, Fields.string(questions, pick, id + ".questions"),
                    Fields.string(answers, pick, id + ".answers"), images.resolve(Fields.string(a, "filename", id)));
        });
    }

    /** {@code --dataset_names vqa} (VQA v2 train, official files). */
    public static ConversationDataset vqaV2(Path root, int maxGroupSize, long seed) throws IOException {
        String source = "https://visualqa.org/download.html";
        Path images = AnnotationFiles.requireDirectory(root.resolve("coco/train2014"), "vqa", "COCO 2014 train images");
        List<?> questions = AnnotationFiles.readList(AnnotationFiles.requireFile(
                root.resolve("vqav2/v2_OpenEnded_mscoco_train2014_questions.json"), "vqa", source), "questions");
        List<?> answerLists = AnnotationFiles.readList(AnnotationFiles.requireFile(
                root.resolve("vqav2/v2_mscoco_train2014_annotations.json"), "vqa", source), "annotations");
        Map<Object, Object> answersById = new HashMap<>();
        for (Object a : answerLists) if (a instanceof Map<?, ?> m) answersById.put(m.get("question_id"), m);
        return new GroupedDataset<>("vqa", questions, maxGroupSize, seed, (q, id, random) -> {
            Map<?, ?> question = Fields.object(q, id);
            Object qid = question.get("question_id");
            Map<?, ?> annotation = Fields.object(answersById.get(qid), id + " (annotation of question_id " + qid + ")");
            String image = Fields.idText(question, "image_id", id);
            String file = "COCO_train2014_" + zeroPad12(image) + ".jpg";
            return CaptionReader.single(id, Fields.string(question, "question", id), majorityAnswer(annotation, id), images.resolve(file));
        });
    }

    /** {@code str(image_id).rjust(12, '0')}: COCO's file-name numbering. */
    static String zeroPad12(String imageId) {
        return "0".repeat(Math.max(0, 12 - imageId.length())) + imageId;
    }

    /** {@code VQADataset.process_text}: the answer with the largest weight (count), the first seen on ties. */
    static String majorityAnswer(Map<?, ?> annotation, String id) throws BadSampleException {
        List<?> answers = Fields.list(annotation, "answers", id);
        Map<String, Integer> counts = new LinkedHashMap<>();
        for (int i = 0; i < answers.size(); i++) {
            Object a = answers.get(i);
            String text = a instanceof Map<?, ?> m ? Fields.string(m, "answer", id + ".answers[" + i + "]") : Fields.string(answers, i, id + ".answers");
            counts.merge(text, 1, Integer::sum);
        }
        if (counts.isEmpty()) throw Fields.malformed(id + ".answers", "is empty");
        String best = null;
        int bestCount = 0;
        for (Map.Entry<String, Integer> e : counts.entrySet()) {
            if (e.getValue() > bestCount) { best = e.getKey(); bestCount = e.getValue(); }   // np.argmax: first maximum
        }
        return best;
    }

    /** {@code os.path.splitext(url)[1]}: from the last dot of the last path segment, unless only dots precede it. */
    static String extension(String url) {
        String name = url.substring(url.lastIndexOf('/') + 1);
        int dot = name.lastIndexOf('.');
        if (dot <= 0 || name.substring(0, dot).chars().allMatch(c -> c == '.')) return "";
        return name.substring(dot);
    }
}
