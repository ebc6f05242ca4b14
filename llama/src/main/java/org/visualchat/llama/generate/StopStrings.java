package org.visualchat.llama.generate;

import java.util.List;

/** Stop-string matching over the generated text, and how much of it may be printed before a match is ruled out. */
final class StopStrings {
    private StopStrings() {}

    /** Index of the earliest occurrence of any stop string, or -1. */
    static int firstMatch(String text, List<String> stops) {
        int first = -1;
        for (String s : stops) {
            int at = text.indexOf(s);
            if (at >= 0 && (first < 0 || at < first)) first = at;
        }
        return first;
    }

    /**
     * The longest printable prefix of {@code text[0, stable)}: text that could still turn out to be the
     * start of a stop string (a suffix equal to a stop string's prefix) is held back.
     */
    static int safeLength(String text, int stable, List<String> stops) {
        int safe = stable;
        for (String s : stops) {
            for (int len = Math.min(s.length() - 1, stable); len > 0; len--) {
                if (text.regionMatches(stable - len, s, 0, len)) {
                    safe = Math.min(safe, stable - len);
                    break;
                }
            }
        }
        return safe;
    }
}
