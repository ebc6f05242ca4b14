package org.visualchat.mmca.demo;

import java.util.Map;
import org.visualchat.mmca.demo.world.QuestionType;

/**
 * Held-out results of one attention variant: {correct, asked} per question type, and over the multi-image
 * questions (asked when the conversation had shown two or more images).
 */
public record DemoScores(Map<QuestionType, int[]> byType, int[] multiImage) {
    /** {correct, asked} over all questions. */
    public int[] total() {
        int[] t = new int[2];
        byType.values().forEach(c -> { t[0] += c[0]; t[1] += c[1]; });
        return t;
    }

    public double accuracy() {
        int[] t = total();
        return t[1] == 0 ? 0 : t[0] / (double) t[1];
    }

    public double multiImageAccuracy() {
        return multiImage[1] == 0 ? 0 : multiImage[0] / (double) multiImage[1];
    }
}
