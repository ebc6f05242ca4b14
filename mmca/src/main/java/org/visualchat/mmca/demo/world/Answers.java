package org.visualchat.mmca.demo.world;

import java.util.Locale;
import java.util.Map;

/**
 * Exact-answer checking. Both the expected and the generated answer are normalised — lower case, runs of
 * white space collapsed, surrounding white space and trailing sentence punctuation dropped, number words
 * zero to nine turned into digits — and then compared for equality. Nothing fuzzier: "image 1" vs
 * "image 2" or a description with one wrong colour is wrong.
 */
public final class Answers {
    private static final Map<String, String> NUMBER_WORDS = Map.of("zero", "0", "one", "1", "two", "2", "three", "3",
            "four", "4", "five", "5", "six", "6", "seven", "7", "eight", "8", "nine", "9");

    private Answers() {}

    public static String normalise(String answer) {
        String s = answer.toLowerCase(Locale.ROOT).strip().replaceAll("\\s+", " ");
        while (!s.isEmpty() && ".!?,".indexOf(s.charAt(s.length() - 1)) >= 0) s = s.substring(0, s.length() - 1).stripTrailing();
        StringBuilder out = new StringBuilder();
        for (String word : s.split(" ", -1)) {
            if (!out.isEmpty()) out.append(' ');
            out.append(NUMBER_WORDS.getOrDefault(word, word));
        }
        return out.toString();
    }

    public static boolean correct(String expected, String generated) {
        return normalise(expected).equals(normalise(generated));
    }
}
