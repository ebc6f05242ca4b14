package org.visualchat.mmca.demo;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.visualchat.mmca.attention.MmcaMode;
import org.visualchat.mmca.demo.world.Dialogue;
import org.visualchat.mmca.demo.world.QuestionType;
import org.visualchat.mmca.demo.world.Round;

/**
 * The demo's result table: held-out exact-answer accuracy per question type for each attention variant,
 * next to the chance level — the accuracy of always giving a type's most frequent training answer, which is
 * what a model that ignores the images could reach at best on closed-answer types.
 */
final class AccuracyTable {
    private AccuracyTable() {}

    static Map<QuestionType, Double> chance(List<Dialogue> train) {
        Map<QuestionType, Map<String, Integer>> counts = new EnumMap<>(QuestionType.class);
        for (Dialogue d : train) {
            for (Round r : d.rounds()) counts.computeIfAbsent(r.type(), t -> new HashMap<>()).merge(r.answer(), 1, Integer::sum);
        }
        Map<QuestionType, Double> out = new EnumMap<>(QuestionType.class);
        counts.forEach((t, c) -> out.put(t, c.values().stream().mapToInt(Integer::intValue).max().orElse(0)
                / (double) c.values().stream().mapToInt(Integer::intValue).sum()));
        return out;
    }

    /** One column per entry of {@code results} (name → scores), in map order. */
    static String format(Map<String, DemoScores> results, Map<QuestionType, Double> chance, int dialogues) {
        List<String> modes = new ArrayList<>(results.keySet());
        StringBuilder out = new StringBuilder();
        DemoScores any = results.values().iterator().next();
        out.append(String.format(Locale.ROOT, "Held-out exact-answer accuracy (%d questions in %d conversations, scenes never seen in training)%n",
                any.total()[1], dialogues));
        out.append(String.format(Locale.ROOT, "%-25s %6s %7s", "question type", "asked", "chance"));
        for (String m : modes) out.append(String.format(Locale.ROOT, " %15s", m));
        out.append('\n');
        for (QuestionType t : QuestionType.values()) {
            out.append(String.format(Locale.ROOT, "%-25s %6d %7s", label(t), any.byType().get(t)[1], percent(chance.getOrDefault(t, 0.0))));
            for (String m : modes) out.append(String.format(Locale.ROOT, " %15s", percent(results.get(m).byType().get(t))));
            out.append('\n');
        }
        out.append(String.format(Locale.ROOT, "%-25s %6d %7s", "all questions", any.total()[1], ""));
        for (String m : modes) out.append(String.format(Locale.ROOT, " %15s", percent(results.get(m).total())));
        out.append('\n');
        out.append(String.format(Locale.ROOT, "%-25s %6d %7s", "multi-image questions", any.multiImage()[1], ""));
        for (String m : modes) out.append(String.format(Locale.ROOT, " %15s", percent(results.get(m).multiImage())));
        out.append('\n');
        return out.toString();
    }

    static String name(MmcaMode mode) {
        return switch (mode) {
            case STRICT -> "MMCA strict";
            case REFERENCE -> "MMCA reference";
            case CAUSAL -> "causal";
        };
    }

    private static String label(QuestionType t) {
        return switch (t) {
            case DESCRIBE -> "describe image N";
            case COLOUR_OF -> "colour of the X";
            case COUNT_COLOUR -> "count colour in image N";
            case MORE_KIND -> "which image has more X";
            case SAME_COLOUR -> "same colour across images";
            case RECALL -> "recall an earlier answer";
        };
    }

    private static String percent(int[] correctOfTotal) {
        return correctOfTotal[1] == 0 ? "-" : percent(correctOfTotal[0] / (double) correctOfTotal[1]);
    }

    private static String percent(double fraction) {
        return String.format(Locale.ROOT, "%.1f%%", 100 * fraction);
    }

    /** Scores as JSON-ready maps (for the stage cache). */
    static Map<String, Object> toJson(DemoScores s) {
        Map<String, Object> out = new LinkedHashMap<>();
        s.byType().forEach((t, c) -> out.put(t.name(), List.of((long) c[0], (long) c[1])));
        out.put("MULTI_IMAGE", List.of((long) s.multiImage()[0], (long) s.multiImage()[1]));
        return out;
    }

    static DemoScores fromJson(Map<?, ?> json) {
        Map<QuestionType, int[]> byType = new EnumMap<>(QuestionType.class);
        for (QuestionType t : QuestionType.values()) byType.put(t, pair(json.get(t.name())));
        return new DemoScores(byType, pair(json.get("MULTI_IMAGE")));
    }

    private static int[] pair(Object value) {
        List<?> l = (List<?>) value;
        return new int[] {((Number) l.get(0)).intValue(), ((Number) l.get(1)).intValue()};
    }
}
