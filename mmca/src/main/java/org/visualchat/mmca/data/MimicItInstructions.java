package org.visualchat.mmca.data;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * The one-time preprocessing of MIMIC-IT instruction files shared by the {@code otter_mimicit_*} and
 * {@code llava_otter_blend} loaders: walk the instruction keys in the given order; for each key not yet consumed,
 * filter its image ids (a null result drops the instruction without consuming its related ones, as the original's
 * {@code del raw_annotation[k]} outside the criteria branch does), then merge it with every still-unconsumed
 * instruction of its {@code rel_ins_ids} (same images, other questions), consuming them.
 *
 * <p>Input: the {@code "data"} object of {@code *_instructions.json}: {@code {"CGD_INS_000000": {"instruction":
 * "...", "answer": "...", "image_ids": ["CGD_IMG_000000426149", ...], "rel_ins_ids": ["CGD_INS_000001", ...]},
 * ...}}. Output items are the original's cached {@code *_merged*.json} entries: {@code {image_ids, instruction[],
 * answer[]}}. Malformed entries are left out and counted.
 */
final class MimicItInstructions {
    private static final System.Logger LOG = System.getLogger(MimicItInstructions.class.getName());

    /** One merged annotation. */
    record Merged(List<String> imageIds, List<String> instructions, List<String> answers) {}

    private MimicItInstructions() {}

    static List<Merged> merge(String dataset, Map<?, ?> data, List<String> keyOrder, UnaryOperator<List<String>> imageFilter) {
        Map<String, Map<?, ?>> remaining = new HashMap<>();
        int malformed = 0;
        for (Map.Entry<?, ?> e : data.entrySet()) {
            if (e.getKey() instanceof String key && e.getValue() instanceof Map<?, ?> entry && valid(entry)) {
                remaining.put(key, entry);
            } else {
                malformed++;
            }
        }
        List<Merged> merged = new ArrayList<>();
        for (String key : keyOrder) {
            Map<?, ?> entry = remaining.remove(key);
            if (entry == null) continue;
            List<String> images = imageFilter.apply(strings(entry.get("image_ids")));
            if (images == null) continue;
            List<String> instructions = new ArrayList<>(List.of((String) entry.get("instruction")));
            List<String> answers = new ArrayList<>(List.of((String) entry.get("answer")));
            for (String related : strings(entry.get("rel_ins_ids"))) {
                Map<?, ?> other = remaining.remove(related);
                if (other == null) continue;
                instructions.add((String) other.get("instruction"));
                answers.add((String) other.get("answer"));
            }
            merged.add(new Merged(List.copyOf(images), List.copyOf(instructions), List.copyOf(answers)));
        }
        if (malformed > 0) {
            LOG.log(System.Logger.Level.WARNING, "{0}: left out {1} malformed instruction entries", dataset, malformed);
        }
        return merged;
    }

    /** Reads the original's cached merged file (a list of {@code {image_ids, instruction, answer}}). */
    static List<Merged> readMerged(List<?> cached) {
        List<Merged> merged = new ArrayList<>();
        for (Object item : cached) {
            if (item instanceof Map<?, ?> m && m.get("instruction") instanceof List<?> ins && m.get("answer") instanceof List<?> ans
                    && ins.size() == ans.size() && ins.stream().allMatch(String.class::isInstance)
                    && ans.stream().allMatch(String.class::isInstance)) {
                merged.add(new Merged(strings(m.get("image_ids")), strings(ins), strings(ans)));
            }
        }
        return merged;
    }

    private static boolean valid(Map<?, ?> entry) {
        return entry.get("instruction") instanceof String && entry.get("answer") instanceof String
                && entry.get("image_ids") instanceof List<?> ids && ids.stream().allMatch(String.class::isInstance)
                && (entry.get("rel_ins_ids") == null || entry.get("rel_ins_ids") instanceof List<?>);
    }

    private static List<String> strings(Object list) {
        List<String> out = new ArrayList<>();
        if (list instanceof List<?> l) for (Object o : l) if (o instanceof String s) out.add(s);
        return out;
    }
}
