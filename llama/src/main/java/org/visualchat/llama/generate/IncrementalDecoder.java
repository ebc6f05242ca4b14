package org.visualchat.llama.generate;

import org.visualchat.llama.tokenizer.LlamaTokenizer;

import java.util.Arrays;

/**
 * Text of a growing list of generated ids, for streaming. Two decoding rules make token-by-token
 * printing wrong if done naively (formats.md §2.4): a character may be split over several byte pieces
 * ({@code <0xF0><0x9F>…}), which decode to U+FFFD until the last byte arrives, and SentencePiece drops
 * the leading space of the first piece. So the whole generated sequence is decoded after the last prompt
 * token (whose own text is then cut off), and text ending in U+FFFD is not {@link #stableLength stable} yet.
 */
final class IncrementalDecoder {
    private final LlamaTokenizer tokenizer;
    private final int prefixId;
    private final String prefixText;
    private int[] ids = new int[16];
    private int count;

    /** @param prefixId the last prompt id (its text is decoded and cut off), or -1 for none */
    IncrementalDecoder(LlamaTokenizer tokenizer, int prefixId) {
        this.tokenizer = tokenizer;
        this.prefixId = prefixId;
        this.prefixText = prefixId < 0 ? "" : tokenizer.decode(new int[] {prefixId});
    }

    void append(int id) {
        if (count == ids.length) ids = Arrays.copyOf(ids, 2 * count);
        ids[count++] = id;
    }

    /** Decoded text of the ids appended so far. */
    String text() {
        int[] generated = Arrays.copyOf(ids, count);
        if (prefixId < 0) return tokenizer.decode(generated);
        int[] withPrefix = new int[count + 1];
        withPrefix[0] = prefixId;
        System.arraycopy(generated, 0, withPrefix, 1, count);
        String full = tokenizer.decode(withPrefix);
        // A prefix that merges with what follows (a split UTF-8 character) cannot be cut off cleanly.
        return full.startsWith(prefixText) ? full.substring(prefixText.length()) : tokenizer.decode(generated);
    }

    /** Length of the prefix of {@code text} that later tokens cannot change: without a trailing U+FFFD run. */
    static int stableLength(String text) {
        int n = text.length();
        while (n > 0 && text.charAt(n - 1) == '\uFFFD') n--;
        return n;
    }
}
