package org.visualchat.mmca.demo.world;

import java.util.ArrayList;
import java.util.List;

/**
 * The kinds of question the synthetic conversations ask. Each type lists every question it could ask about
 * the images shown so far ({@link #candidates}), with the exact answer computed from the scenes, so answers
 * are correct by construction. Images are numbered 1, 2, 3 ... in the order they entered the conversation,
 * the numbering of the {@code ### Image N:} markers in the prompt.
 */
public enum QuestionType {
    /** "Describe image 2." — every shape, in reading order. */
    DESCRIBE(false, false),
    /** "What colour is the circle in image 1?" — asked only when the image has exactly one circle. */
    COLOUR_OF(false, true),
    /** "How many red shapes are in image 1?" */
    COUNT_COLOUR(false, true),
    /** "Which image has more circles, image 1 or image 3?" — asked only when the counts differ. */
    MORE_KIND(true, true),
    /** "Is the square in image 3 the same colour as the square in image 1?" — each image has one square. */
    SAME_COLOUR(true, true),
    /** "What was your answer to question 2?" — the earlier answer, word for word. */
    RECALL(false, false);

    private final boolean comparesImages;
    private final boolean fewAnswers;

    QuestionType(boolean comparesImages, boolean fewAnswers) {
        this.comparesImages = comparesImages;
        this.fewAnswers = fewAnswers;
    }

    /** True when the answers come from a small closed set (colours, counts, yes/no, "image N"), so they can be balanced. */
    public boolean fewAnswers() { return fewAnswers; }

    /** True for the types whose question is about two images at once. */
    public boolean comparesImages() { return comparesImages; }

    /** What this type could ask now; empty when it cannot be asked (e.g. a comparison with one image shown). */
    public List<Candidate> candidates(List<Scene> shown, List<Round> earlier) {
        List<Candidate> out = new ArrayList<>();
        switch (this) {
            case DESCRIBE -> {
                for (int i = 0; i < shown.size(); i++) {
                    out.add(new Candidate("Describe image " + (i + 1) + ".", shown.get(i).describe(), List.of(i + 1)));
                }
            }
            case COLOUR_OF -> {
                for (int i = 0; i < shown.size(); i++) {
                    for (ShapeKind kind : ShapeKind.values()) {
                        int image = i + 1;
                        shown.get(i).only(kind).ifPresent(s -> out.add(new Candidate(
                                "What colour is the " + kind.word() + " in image " + image + "?", s.colour().word(), List.of(image))));
                    }
                }
            }
            case COUNT_COLOUR -> {
                for (int i = 0; i < shown.size(); i++) {
                    for (ShapeColour colour : ShapeColour.values()) {
                        out.add(new Candidate("How many " + colour.word() + " shapes are in image " + (i + 1) + "?",
                                Long.toString(shown.get(i).count(colour)), List.of(i + 1)));
                    }
                }
            }
            case MORE_KIND -> {
                for (int a = 0; a < shown.size(); a++) {
                    for (int b = 0; b < shown.size(); b++) {
                        if (a == b) continue;
                        for (ShapeKind kind : ShapeKind.values()) {
                            long ca = shown.get(a).count(kind), cb = shown.get(b).count(kind);
                            if (ca == cb) continue;
                            out.add(new Candidate("Which image has more " + kind.plural() + ", image " + (a + 1)
                                    + " or image " + (b + 1) + "?", "image " + (ca > cb ? a + 1 : b + 1), List.of(a + 1, b + 1)));
                        }
                    }
                }
            }
            case SAME_COLOUR -> {
                for (int a = 0; a < shown.size(); a++) {
                    for (int b = 0; b < shown.size(); b++) {
                        if (a == b) continue;
                        for (ShapeKind kind : ShapeKind.values()) {
                            var sa = shown.get(a).only(kind);
                            var sb = shown.get(b).only(kind);
                            if (sa.isEmpty() || sb.isEmpty()) continue;
                            out.add(new Candidate("Is the " + kind.word() + " in image " + (a + 1) + " the same colour as the "
                                    + kind.word() + " in image " + (b + 1) + "?",
                                    sa.get().colour() == sb.get().colour() ? "yes" : "no", List.of(a + 1, b + 1)));
                        }
                    }
                }
            }
            case RECALL -> {
                for (int r = 0; r < earlier.size(); r++) {
                    Round round = earlier.get(r);
                    if (round.type() == RECALL) continue;   // recalling a recall adds nothing to learn
                    out.add(new Candidate(recallQuestion(r + 1), round.answer(), round.images()));
                }
            }
        }
        return out;
    }

    /** The {@link #RECALL} question about round {@code round} (1-based). */
    public static String recallQuestion(int round) {
        return "What was your answer to question " + round + "?";
    }

    /** A question this type can ask, its exact answer and the image numbers it is about. */
    public record Candidate(String question, String answer, List<Integer> images) {}
}
