package org.visualchat.mmca.demo.world;

import java.util.List;

/**
 * One round of a conversation: the images attached in this round ({@code attached}, numbers in conversation
 * order; several or none), the question and its exact answer, and the image numbers the question is about.
 */
public record Round(List<Integer> attached, QuestionType type, String question, String answer, List<Integer> images) {
    public Round {
        attached = List.copyOf(attached);
        images = List.copyOf(images);
    }
}
