package org.visualchat.mmca.chat;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.visualchat.vision.image.RgbImage;

/**
 * The state of one conversation: images attached so far (numbered 1, 2, ... in attachment order, the
 * numbering of the prompt's {@code ### Image N:} markers and of training), the finished rounds, and the
 * images waiting for the next question. Shared by the chat REPL and the batch evaluator so both number
 * images and keep history the same way.
 */
public final class ChatSession {
    private final ChatModel model;
    private final List<RgbImage> images = new ArrayList<>();
    private final List<String> labels = new ArrayList<>();
    private final List<ChatTurn> history = new ArrayList<>();
    private int pending;

    public ChatSession(ChatModel model) {
        this.model = model;
    }

    /** Attaches an image to the next question and returns its number in the conversation (1-based). */
    public int attach(RgbImage image, String label) {
        if (images.size() >= model.maxImages()) {
            throw new IllegalStateException("too many images: a conversation holds at most " + model.maxImages() + " (use /reset)");
        }
        images.add(image);
        labels.add(label);
        pending++;
        return images.size();
    }

    /** Asks the next question with the images attached since the last one; returns (and streams) the answer. */
    public String ask(String question, GenerationOptions options, Consumer<String> stream) {
        if (question.isBlank()) throw new IllegalArgumentException("empty question");
        if (images.isEmpty()) {
            // As the reference (chat.py asserts, batch_generation.py raises): the model was trained on image chats only.
            throw new IllegalStateException("attach an image before the first question");
        }
        String answer = model.answer(List.copyOf(history), List.copyOf(images), question, pending, options, stream);
        history.add(new ChatTurn(question, pending, answer));
        pending = 0;
        return answer;
    }

    /** Forgets images, numbering and history: the next image is image 1 again. */
    public void reset() {
        images.clear();
        labels.clear();
        history.clear();
        pending = 0;
    }

    /** The labels (usually paths) of the attached images; image N is element N − 1. */
    public List<String> imageLabels() { return List.copyOf(labels); }

    public List<ChatTurn> history() { return List.copyOf(history); }

    public int maxImages() { return model.maxImages(); }

    /** Images attached since the last question. */
    public int pendingImages() { return pending; }
}
