package org.visualchat.mmca.data;

import org.visualchat.mmca.prompt.MarkerNumbering;
import org.visualchat.mmca.prompt.Turn;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * LLaVA-Instruct-150K ({@code llava_dataset.py}, {@code dial_dataset.py}). Files under the data root:
 * {@code llava/detail_23k.json}, {@code llava/complex_reasoning_77k.json} ({@code llava}) and
 * {@code llava/conversation_58k.json} ({@code llava_dial}); images {@code coco/train2017/{image}}. Each item is a
 * list of {@code {"image": "000000033471.jpg", "conversations": [{"from": "human", "value": "<image>\nWhat ..."},
 * {"from": "gpt", "value": "..."}, ...]}}.
 * <ul>
 *   <li>{@code llava}: the first (human, gpt) pair only, one round with the image;</li>
 *   <li>{@code llava_dial}: every pair; the image's marker goes on the rounds whose question contained
 *       {@code <image>} (normally the first). A conversation with no {@code <image>} question contributes no
 *       image, as in the original ({@code merge_all_images} only collects images it found a marker for).</li>
 * </ul>
 * {@code <image>} and newlines are removed from questions. Token-level marker numbering.
 */
public final class LlavaReader {
    static final String SOURCE = "https://huggingface.co/datasets/liuhaotian/LLaVA-Instruct-150K";

    private LlavaReader() {}

    /** {@code --dataset_names llava}. */
    public static ConversationDataset llava(Path root, int maxGroupSize, long seed) throws IOException {
        Path images = AnnotationFiles.requireDirectory(root.resolve("coco/train2017"), "llava", "COCO 2017 train images");
        List<Object> annotations = new ArrayList<>();
        for (String file : List.of("llava/detail_23k.json", "llava/complex_reasoning_77k.json")) {
            annotations.addAll(AnnotationFiles.readList(AnnotationFiles.requireFile(root.resolve(file), "llava", SOURCE), null));
        }
        return new GroupedDataset<>("llava", annotations, maxGroupSize, seed, (ann, id, random) -> {
            Map<?, ?> a = Fields.object(ann, id);
            List<?> conversations = Fields.list(a, "conversations", id);
            String question = cleanQuestion(turnValue(conversations, 0, id));
            String answer = turnValue(conversations, 1, id);
            return new Conversation(id, List.of(new Turn(question, answer, 1)),
                    List.of(ImageSource.file(images.resolve(Fields.string(a, "image", id)))), MarkerNumbering.TOKEN_LEVEL);
        });
    }

    /** {@code --dataset_names llava_dial}. */
    public static ConversationDataset llavaDial(Path root, int maxGroupSize, long seed) throws IOException {
        Path images = AnnotationFiles.requireDirectory(root.resolve("coco/train2017"), "llava_dial", "COCO 2017 train images");
        List<?> annotations = AnnotationFiles.readList(
                AnnotationFiles.requireFile(root.resolve("llava/conversation_58k.json"), "llava_dial", SOURCE), null);
        return new GroupedDataset<>("llava_dial", annotations, maxGroupSize, seed, (ann, id, random) -> {
            Map<?, ?> a = Fields.object(ann, id);
            List<?> conversations = Fields.list(a, "conversations", id);
            List<Turn> turns = new ArrayList<>();
            int marked = 0;
            for (int i = 0; i + 1 < conversations.size(); i += 2) {
                String question = turnValue(conversations, i, id);
                int withImage = question.contains("<image>") ? 1 : 0;
                marked += withImage;
                turns.add(new Turn(cleanQuestion(question), turnValue(conversations, i + 1, id), withImage));
            }
            if (turns.isEmpty()) throw Fields.malformed(id + ".conversations", "has no (human, gpt) pair");
            List<ImageSource> image = marked == 0 ? List.of() : List.of(ImageSource.file(images.resolve(Fields.string(a, "image", id))));
            return new Conversation(id, turns, image, MarkerNumbering.TOKEN_LEVEL);
        });
    }

    /** The {@code "value"} of turn {@code i} of a LLaVA {@code conversations} list. */
    static String turnValue(List<?> conversations, int i, String id) throws BadSampleException {
        String where = id + ".conversations[" + i + "]";
        if (i >= conversations.size()) throw Fields.malformed(where, "is missing");
        return Fields.string(Fields.object(conversations.get(i), where), "value", where);
    }

    /** The original's {@code question.replace("<image>", "").replace("\n", "")}. */
    static String cleanQuestion(String question) {
        return question.replace("<image>", "").replace("\n", "");
    }
}
