package org.visualchat.llama.tokenizer;

/**
 * SentencePiece's text normalisation with the identity character map (an empty {@code precompiled_charsmap},
 * which is what LLaMA-1/2 use), restated from {@code normalizer.cc} {@code Normalizer::Normalize}:
 * <ol>
 *   <li>with {@code removeExtraWhitespaces}: drop leading spaces, squeeze runs of spaces to one, drop trailing
 *       whitespace symbols;</li>
 *   <li>with {@code addDummyPrefix}: prepend one whitespace symbol to non-empty text;</li>
 *   <li>with {@code escapeWhitespaces}: every U+0020 becomes U+2581 ("▁"). Tabs, newlines, NBSP etc. are left
 *       alone — they are ordinary characters.</li>
 * </ol>
 * Only U+0020 counts as a space. A lone UTF-16 surrogate (not valid Unicode) becomes U+FFFD, like the
 * malformed-UTF-8 rule of {@code NormalizePrefix}.
 *
 * <p>HF {@code tokenizer.json} for LLaMA spells the same thing as {@code Sequence[Prepend("▁"), Replace(" ",
 * "▁")]}: add dummy prefix, escape whitespace, keep extra whitespace.
 */
record Normalizer(boolean addDummyPrefix, boolean removeExtraWhitespaces, boolean escapeWhitespaces) {
    /** U+2581 LOWER ONE EIGHTH BLOCK, SentencePiece's visible whitespace ({@code kSpaceSymbol}). */
    static final char SPACE_SYMBOL = '\u2581';

    /** LLaMA-1/2's settings: dummy prefix, whitespace escaped, extra whitespace kept. */
    static final Normalizer LLAMA = new Normalizer(true, false, true);

    String normalize(String text) {
        int n = text.length();
        int i = 0;
        if (removeExtraWhitespaces) {
            while (i < n && text.charAt(i) == ' ') i++;
        }
        if (i == n) return "";
        char space = escapeWhitespaces ? SPACE_SYMBOL : ' ';
        StringBuilder out = new StringBuilder(n + 1);
        if (addDummyPrefix) out.append(space);
        boolean previousWasSpace = removeExtraWhitespaces;
        for (; i < n; i++) {
            char c = text.charAt(i);
            if (c == ' ') {
                if (!previousWasSpace) out.append(space);
                previousWasSpace = removeExtraWhitespaces;
                continue;
            }
            previousWasSpace = false;
            if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(text.charAt(i + 1))) {
                out.append(c).append(text.charAt(++i));
            } else if (Character.isSurrogate(c)) {
                out.append('\uFFFD');
            } else {
                out.append(c);
            }
        }
        if (removeExtraWhitespaces) {
            // Normalizer::Normalize strips trailing whitespace symbols from its *output*, so a literal "▁" typed
            // at the end of the text goes too.
            int end = out.length();
            while (end > 0 && out.charAt(end - 1) == space) end--;
            out.setLength(end);
        }
        return out.toString();
    }
}
