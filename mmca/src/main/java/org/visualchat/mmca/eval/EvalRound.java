package org.visualchat.mmca.eval;

import java.util.List;

/**
 * One round of an eval case: the question and the image paths attached in this round (none for a text-only
 * round). {@code imageField} is the round's second JSON element as written (paths separated by spaces), or
 * {@code null} when absent; the reference CSV writes it back unchanged.
 */
public record EvalRound(String question, List<String> imagePaths, String imageField) {
    public EvalRound {
        imagePaths = List.copyOf(imagePaths);
    }
}
