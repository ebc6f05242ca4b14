package org.visualchat.mmca.data;

import org.visualchat.mmca.prompt.MarkerNumbering;
import org.visualchat.mmca.prompt.Turn;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.random.RandomGenerator;

/**
 * {@code llava_otter_blend} ({@code llava_otter_blend_dataset.py}; reference §4.3.2): LLaVA conversations about
 * each COCO image of a MIMIC-IT CGD pair first, then CGD's comparison questions, so every image is introduced
 * (marked) before or when it is first needed.
 *
 * <p>Preprocessing: a LLaVA index image file name → conversations from {@code llava/detail_23k.json},
 * {@code complex_reasoning_77k.json} and {@code conversation_58k.json}; CGD instructions in file order, image ids
 * converted to {@code id[8:] + ".jpg"}, kept only if every image except the last has LLaVA conversations, merged
 * with their related instructions ({@link MimicItInstructions}). The original's caches
 * {@code LlavaOtterBlendDataset_instructions_llava.json} / {@code ..._otter.json} in the data root are read if
 * present.
 *
 * <p>Each item, fresh random draws per access: (1) for each image in order that has LLaVA conversations, draw
 * n ∈ [1, #conversations] (n ∈ [0, …] for the last image) distinct conversations; each (human, gpt) pair is a
 * round, the first round about an image carries its marker; (2) draw n ∈ [1, #instructions] distinct CGD
 * instructions; the first introduces every image not introduced yet. System prompt on the first round;
 * text-level numbering. The original's follow-up phase is disabled by its builder ({@code followup=False}) and
 * is not implemented. Images: {@code coco/train2017/}. Group size must be 1 (see {@link OtterMimicItReader}).
 */
public final class LlavaOtterBlendReader {
    private LlavaOtterBlendReader() {}

    /** The parsed LLaVA {@code conversations} list of one annotation: alternating questions and answers. */
    private record LlavaConversation(List<String> questions, List<String> answers) {}

    public static ConversationDataset open(Path root, int maxGroupSize, long seed) throws IOException {
        String name = "llava_otter_blend";
        OtterMimicItReader.requireSingle(name, maxGroupSize);
        Path images = AnnotationFiles.requireDirectory(root.resolve("coco/train2017"), name, "COCO 2017 train images");
        Map<String, List<LlavaConversation>> llava = llavaIndex(root, name);
        List<MimicItInstructions.Merged> otter;
        Path otterCache = root.resolve("LlavaOtterBlendDataset_instructions_otter.json");
        if (Files.isRegularFile(otterCache)) {
            otter = MimicItInstructions.readMerged(AnnotationFiles.readList(otterCache, null));
        } else {
            Path cgd = AnnotationFiles.requireFile(root.resolve("MIMIC-IT/CGD_instructions.json"), name, OtterMimicItReader.SOURCE);
            Map<?, ?> data = AnnotationFiles.readObject(cgd, "data");
            List<String> keys = new ArrayList<>();
            for (Object k : data.keySet()) keys.add((String) k);
            otter = MimicItInstructions.merge(name, data, keys, ids -> {
                List<String> files = new ArrayList<>();
                for (String id : ids) {
                    if (id.length() <= 8) return null;   // not a "CGD_IMG_<coco id>" id: cannot name its COCO file
                    files.add(id.substring(8) + ".jpg");
                }
                for (int i = 0; i < files.size() - 1; i++) if (!llava.containsKey(files.get(i))) return null;
                return files;
            });
        }
        return new GroupedDataset<>(name, otter, 1, seed, (ann, id, random) -> {
            List<ImageSource> sources = new ArrayList<>();
            for (String file : ann.imageIds()) sources.add(ImageSource.file(images.resolve(file)));
            return new Conversation(id, rounds(ann, llava, random), sources, MarkerNumbering.TEXT_LEVEL);
        });
    }

    private static List<Turn> rounds(MimicItInstructions.Merged ann, Map<String, List<LlavaConversation>> llava,
                                     RandomGenerator random) {
        List<String> images = ann.imageIds();
        Set<String> introduced = new HashSet<>();
        List<Turn> turns = new ArrayList<>();
        for (int i = 0; i < images.size(); i++) {
            List<LlavaConversation> conversations = llava.get(images.get(i));
            if (conversations == null) continue;
            int least = i < images.size() - 1 ? 1 : 0;   // the last image may get no LLaVA round
            for (int c : RandomGrouping.sample(conversations.size(), least + random.nextInt(conversations.size() - least + 1), random)) {
                LlavaConversation conversation = conversations.get(c);
                for (int q = 0; q < conversation.questions().size(); q++) {
                    boolean mark = introduced.add(images.get(i));
                    turns.add(new Turn(conversation.questions().get(q), conversation.answers().get(q), mark ? 1 : 0));
                }
            }
        }
        int count = ann.instructions().size();
        for (int c : RandomGrouping.sample(count, 1 + random.nextInt(count), random)) {
            int newImages = images.size() - introduced.size();
            turns.add(new Turn(LlavaReader.cleanQuestion(ann.instructions().get(c)), ann.answers().get(c), newImages));
            introduced.addAll(images);
        }
        return turns;
    }

    private static Map<String, List<LlavaConversation>> llavaIndex(Path root, String name) throws IOException {
        Path cache = root.resolve("LlavaOtterBlendDataset_instructions_llava.json");
        Map<String, List<LlavaConversation>> index = new LinkedHashMap<>();
        if (Files.isRegularFile(cache)) {
            for (Map.Entry<?, ?> e : AnnotationFiles.readObject(cache, null).entrySet()) {
                if (e.getValue() instanceof List<?> convs) for (Object c : convs) add(index, (String) e.getKey(), c);
            }
            return index;
        }
        for (String file : List.of("llava/detail_23k.json", "llava/complex_reasoning_77k.json", "llava/conversation_58k.json")) {
            for (Object item : AnnotationFiles.readList(AnnotationFiles.requireFile(root.resolve(file), name, LlavaReader.SOURCE), null)) {
                if (item instanceof Map<?, ?> m && m.get("image") instanceof String image) add(index, image, m.get("conversations"));
            }
        }
        return index;
    }

    /** Adds one LLaVA conversation (skipping malformed ones: they cannot be rendered). */
    private static void add(Map<String, List<LlavaConversation>> index, String image, Object conversation) {
        if (!(conversation instanceof List<?> turns)) return;
        List<String> questions = new ArrayList<>(), answers = new ArrayList<>();
        for (int i = 0; i + 1 < turns.size(); i += 2) {
            if (!(turns.get(i) instanceof Map<?, ?> q && q.get("value") instanceof String qv
                    && turns.get(i + 1) instanceof Map<?, ?> a && a.get("value") instanceof String av)) return;
            questions.add(LlavaReader.cleanQuestion(qv));
            answers.add(av);
        }
        index.computeIfAbsent(image, k -> new ArrayList<>()).add(new LlavaConversation(questions, answers));
    }
}
