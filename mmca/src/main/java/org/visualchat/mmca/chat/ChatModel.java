package org.visualchat.mmca.chat;

import java.util.List;
import java.util.function.Consumer;
import org.visualchat.vision.image.RgbImage;

/**
 * What chat and eval need from a trained visual chat model: the answer to the next question of a
 * conversation. Implementations render the reference prompt (system prompt on round 1, one
 * {@code ### Image N:} block per image numbered over the whole conversation, {@code ### Question:} /
 * {@code ### Answer:}), encode all images, splice them in and decode.
 */
public interface ChatModel {
    /**
     * Answers {@code question}, asked after the finished rounds {@code history}, with {@code newImages} images
     * attached to this round. {@code images} holds every image of the conversation in order (those of the
     * history first, then the new ones). Each decoded piece of text is passed to {@code stream} as soon as it
     * is known; the returned answer is their concatenation.
     */
    String answer(List<ChatTurn> history, List<RgbImage> images, String question, int newImages,
                  GenerationOptions options, Consumer<String> stream);

    /** Most images one conversation may hold (the reference's {@code ### Image N:} map stops at 8). */
    default int maxImages() { return 8; }
}
