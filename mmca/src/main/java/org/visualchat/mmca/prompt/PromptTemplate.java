package org.visualchat.mmca.prompt;

import org.visualchat.llama.tokenizer.VisualChatTokens;

/**
 * DS-VisualChat's prompt strings ({@code utils/data/DST.py}: {@code DEFAULT_PROMPT}, {@code TEMPLATE},
 * {@code Prompter}; deepspeed-visualchat.md §3.1), character for character.
 *
 * <p>A round with {@code k ≥ 1} images renders as {@code k × "### Image:\n<image>\n"}, then {@code "\n"}, then
 * {@code "### Question:\n" + question + "\n\n### Answer:\n"}; a round without images is just the question part.
 * The system prompt is prepended to the first round of a sample only. {@code "### Image:"} is a placeholder that
 * {@link MarkerNumbering} turns into {@code "### Image N:"}.
 */
public final class PromptTemplate {
    /** {@code DST.DEFAULT_PROMPT}; note the trailing blank line. */
    public static final String SYSTEM_PROMPT = "You are a helpful language and vision assistant. You are able to "
            + "understand the visual content that the user provides, and assist the user with a variety of tasks "
            + "using natural language.\n\n";
    public static final String QUESTION = "### Question:";
    public static final String ANSWER = "### Answer:";
    /** {@code image_mapping_dict} defines "### Image 1:" … "### Image 8:"; a 9th image has no marker. */
    public static final int MAX_IMAGES = 8;

    private static final String IMAGE_BLOCK = VisualChatTokens.IMAGE_MARKER + "\n" + VisualChatTokens.IMAGE + "\n";

    private PromptTemplate() {}

    /**
     * {@code Prompter(question, with_image = imageCount > 0, first_message, num_images = imageCount)}: the
     * instruction text of one round, with un-numbered {@code "### Image:"} placeholders.
     */
    public static String instruction(String question, int imageCount, boolean firstMessage) {
        if (imageCount < 0 || imageCount > MAX_IMAGES) {
            throw new IllegalArgumentException("a round holds 0.." + MAX_IMAGES + " images, got " + imageCount);
        }
        StringBuilder text = new StringBuilder();
        if (firstMessage) text.append(SYSTEM_PROMPT);
        if (imageCount > 0) text.append(IMAGE_BLOCK.repeat(imageCount)).append('\n');
        return text.append(QUESTION).append('\n').append(question).append("\n\n").append(ANSWER).append('\n').toString();
    }

    /** {@code "### Image N:"}, the ordinary-text marker of the N-th image (1-based) of a sample. */
    public static String numberedMarker(int imageNumber) {
        if (imageNumber < 1 || imageNumber > MAX_IMAGES) {
            throw new IllegalArgumentException("image number must be 1.." + MAX_IMAGES + ", got " + imageNumber);
        }
        return "### Image " + imageNumber + ":";
    }

    /**
     * {@code VQADataset.post_process_text_image_count(text, count, offset)}: replaces the first {@code count}
     * occurrences of {@code "### Image:"}, one at a time, by {@code "### Image offset+1:"} … {@code "### Image
     * offset+count:"}.
     */
    public static String numberMarkers(String text, int count, int offset) {
        String result = text;
        for (int i = 1 + offset; i <= count + offset; i++) {
            int at = result.indexOf(VisualChatTokens.IMAGE_MARKER);
            if (at < 0) break;   // re.sub with count=1 on a text without the pattern leaves it unchanged
            result = result.substring(0, at) + numberedMarker(i) + result.substring(at + VisualChatTokens.IMAGE_MARKER.length());
        }
        return result;
    }
}
