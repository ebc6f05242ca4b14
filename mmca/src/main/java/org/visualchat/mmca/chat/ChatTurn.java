package org.visualchat.mmca.chat;

/**
 * One finished round of a chat: the question, how many images were attached just before it (they are the
 * next {@code newImages} images in conversation order and get their {@code ### Image N:} markers in this
 * round), and the model's answer.
 */
public record ChatTurn(String question, int newImages, String answer) {
    public ChatTurn {
        if (newImages < 0) throw new IllegalArgumentException("newImages must be >= 0, got " + newImages);
    }
}
