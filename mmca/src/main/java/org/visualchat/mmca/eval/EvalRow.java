package org.visualchat.mmca.eval;

/**
 * One line of the reference's result CSV ({@code test_name,image_path,question,answer}). As in
 * {@code batch_generation.py}, {@code imagePath} holds the round's image field, and for a text-only round the
 * question again (it stores {@code q_i_pair[-1]}, the last element of the round).
 */
public record EvalRow(String testName, String imagePath, String question, String answer) {}
