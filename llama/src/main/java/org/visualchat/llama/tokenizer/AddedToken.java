package org.visualchat.llama.tokenizer;

/**
 * A token matched verbatim in the text before SentencePiece runs (HF's "added tokens": {@code <s>},
 * {@code <image>}, ...). {@code lstrip}/{@code rstrip} make the match swallow whitespace on that side.
 */
record AddedToken(String content, int id, boolean special, boolean lstrip, boolean rstrip) {
    AddedToken {
        if (content.isEmpty()) throw new IllegalArgumentException("added token " + id + " has empty content");
    }
}
