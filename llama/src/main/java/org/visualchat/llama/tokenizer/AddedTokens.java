package org.visualchat.llama.tokenizer;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Cuts text at added tokens the way HF's {@code AddedVocabulary} does before the model sees it: scanning left
 * to right, the longest added token starting at the leftmost possible position wins (Aho-Corasick
 * "leftmost-longest"); the text between matches is encoded separately, so each piece gets its own dummy
 * prefix. Tokens are matched on the raw text (HF's {@code normalized: false}, which is how special tokens are
 * added). Immutable.
 */
final class AddedTokens {
    /** Receives the pieces of a split, in order. */
    interface Visitor {
        /** A non-empty stretch of ordinary text. */
        void text(String segment);

        /** An added token. */
        void token(AddedToken token);
    }

    private final List<AddedToken> tokens;
    /** Tokens by first char, longest first. */
    private final Map<Character, List<AddedToken>> byFirstChar = new HashMap<>();

    AddedTokens(List<AddedToken> tokens) {
        this.tokens = List.copyOf(tokens);
        for (AddedToken token : this.tokens) {
            byFirstChar.computeIfAbsent(token.content().charAt(0), c -> new ArrayList<>()).add(token);
        }
        byFirstChar.values().forEach(list ->
                list.sort(Comparator.comparingInt((AddedToken t) -> t.content().length()).reversed()));
    }

    List<AddedToken> tokens() {
        return tokens;
    }

    AddedToken find(String content) {
        for (AddedToken token : tokens) {
            if (token.content().equals(content)) return token;
        }
        return null;
    }

    AddedToken byId(int id) {
        for (AddedToken token : tokens) {
            if (token.id() == id) return token;
        }
        return null;
    }

    AddedTokens with(AddedToken token) {
        List<AddedToken> all = new ArrayList<>(tokens);
        all.add(token);
        return new AddedTokens(all);
    }

    void split(String text, Visitor visitor) {
        int segmentStart = 0;
        int i = 0;
        while (i < text.length()) {
            AddedToken match = longestAt(text, i);
            if (match == null) {
                i++;
                continue;
            }
            int textEnd = i;
            if (match.lstrip()) {
                while (textEnd > segmentStart && isWhitespace(text.charAt(textEnd - 1))) textEnd--;
            }
            if (textEnd > segmentStart) visitor.text(text.substring(segmentStart, textEnd));
            visitor.token(match);
            i += match.content().length();
            if (match.rstrip()) {
                while (i < text.length() && isWhitespace(text.charAt(i))) i++;
            }
            segmentStart = i;
        }
        if (segmentStart < text.length()) visitor.text(text.substring(segmentStart));
    }

    private AddedToken longestAt(String text, int at) {
        List<AddedToken> candidates = byFirstChar.get(text.charAt(at));
        if (candidates == null) return null;
        for (AddedToken token : candidates) {
            if (text.startsWith(token.content(), at)) return token;
        }
        return null;
    }

    /** Unicode White_Space, which is what Rust's {@code char::is_whitespace} (used by HF) tests. */
    static boolean isWhitespace(char c) {
        return (c >= '\t' && c <= '\r') || c == '\u0085' || Character.isSpaceChar(c);
    }
}
