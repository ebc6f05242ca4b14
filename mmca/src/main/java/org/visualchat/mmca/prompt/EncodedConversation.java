package org.visualchat.mmca.prompt;

/**
 * One tokenized multi-round sample, before image splicing: every image is still one {@code <image>} token.
 *
 * @param inputIds    token ids, each round starting with its own BOS and ending with EOS
 * @param labels      {@link #IGNORE} everywhere except the answer tokens of every round and their EOS
 * @param codes       attention codes: {@link #TEXT} for text, {@link #IMAGE} at each {@code <image>} placeholder
 *                    (the model expands each to the encoder's token count, all {@link #IMAGE})
 * @param roundStarts index in {@code inputIds} where each round's BOS sits
 */
public record EncodedConversation(int[] inputIds, int[] labels, int[] codes, int[] roundStarts) {
    /** Label of positions without loss ({@code DST.DEFAULT_LABEL_PADDING_NUM}). */
    public static final int IGNORE = -100;
    /** Attention code of padding. */
    public static final int PAD = 0;
    /** Attention code of a text token. */
    public static final int TEXT = 1;
    /** Attention code of an image position. */
    public static final int IMAGE = 2;

    public EncodedConversation {
        if (labels.length != inputIds.length || codes.length != inputIds.length) {
            throw new IllegalArgumentException("ids, labels and codes differ in length: " + inputIds.length + ", "
                    + labels.length + ", " + codes.length);
        }
    }

    public int length() {
        return inputIds.length;
    }

    /** Number of {@code <image>} placeholders. */
    public int imagePlaceholders() {
        int n = 0;
        for (int code : codes) if (code == IMAGE) n++;
        return n;
    }
}
