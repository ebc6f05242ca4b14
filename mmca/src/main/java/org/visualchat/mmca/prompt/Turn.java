package org.visualchat.mmca.prompt;

import java.util.Objects;

/**
 * One question/answer round of a conversation.
 *
 * @param question  the user's text, without {@code <image>} tags (readers strip them as the original does)
 * @param answer    the assistant's text (the supervised part); at inference the empty string
 * @param newImages how many images this round introduces: their {@code ### Image N:} blocks precede the question,
 *                  numbered after all images of earlier rounds (a sample holds at most 8 images in all)
 */
public record Turn(String question, String answer, int newImages) {
    public Turn {
        Objects.requireNonNull(question, "question");
        Objects.requireNonNull(answer, "answer");
        if (newImages < 0) throw new IllegalArgumentException("newImages must be >= 0, got " + newImages);
    }
}
