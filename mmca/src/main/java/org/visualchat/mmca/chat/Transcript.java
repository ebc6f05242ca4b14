package org.visualchat.mmca.chat;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.visualchat.tensor.io.Json;

/**
 * A finished chat written out: as readable text in the prompt's own layout, or as a one-case file in the
 * reference eval format ({@code {"chat": [[question, "image paths"], [question], ...]}}) so a conversation
 * tried in the REPL can be replayed with {@code visualchat eval}.
 */
public final class Transcript {
    private Transcript() {}

    public static String text(List<ChatTurn> turns, List<String> imageLabels) {
        StringBuilder out = new StringBuilder();
        int image = 0;
        for (ChatTurn turn : turns) {
            for (int k = 0; k < turn.newImages(); k++, image++) {
                out.append("### Image ").append(image + 1).append(": ").append(imageLabels.get(image)).append('\n');
            }
            out.append("### Question:\n").append(turn.question()).append("\n\n### Answer:\n").append(turn.answer()).append("\n\n");
        }
        return out.toString();
    }

    /** The eval-format JSON; image paths are joined by spaces, as the reference format requires. */
    public static String evalJson(String caseName, List<ChatTurn> turns, List<String> imageLabels) {
        List<Object> rounds = new ArrayList<>();
        int image = 0;
        for (ChatTurn turn : turns) {
            if (turn.newImages() == 0) {
                rounds.add(List.of(turn.question()));
                continue;
            }
            List<String> paths = new ArrayList<>();
            for (int k = 0; k < turn.newImages(); k++) {
                String label = imageLabels.get(image++);
                if (label.chars().anyMatch(Character::isWhitespace)) {
                    throw new IllegalArgumentException("image path '" + label + "' contains white space, which the eval format uses as separator");
                }
                paths.add(label);
            }
            rounds.add(List.of(turn.question(), String.join(" ", paths)));
        }
        Map<String, Object> root = new LinkedHashMap<>();
        root.put(caseName, rounds);
        return Json.writePretty(root);
    }
}
