package org.visualchat.mmca.chat;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.visualchat.vision.image.RgbImage;

/**
 * A stand-in model that answers with what it was given — the images it saw (by their first pixel's red
 * value), how many are new, how many rounds of history — so tests can check the plumbing, streamed in two pieces.
 */
public final class ScriptedModel implements ChatModel {
    public final List<String> calls = new ArrayList<>();

    @Override
    public String answer(List<ChatTurn> history, List<RgbImage> images, String question, int newImages,
                         GenerationOptions options, Consumer<String> stream) {
        StringBuilder seen = new StringBuilder();
        for (RgbImage image : images) seen.append(seen.isEmpty() ? "" : ",").append(image.sample(0, 0, 0));
        String answer = "saw " + seen + " new " + newImages + " after " + history.size();
        calls.add(question + " | " + answer + " | max " + options.maxNewTokens());
        stream.accept(answer.substring(0, 4));
        stream.accept(answer.substring(4));
        return answer;
    }

    /** A 1×1 image whose red value is {@code red}: tests identify images by it. */
    public static RgbImage image(int red) {
        return RgbImage.of(1, 1, new byte[] {(byte) red, 0, 0});
    }
}
