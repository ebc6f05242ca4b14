package org.visualchat.llama.tokenizer;

/**
 * The special tokens DS-VisualChat adds to the LLaMA-2 tokenizer ({@code utils/utils.py add_special_token};
 * deepspeed-visualchat.md §1.6), in its order: {@code "### Image:"} (32000), {@code "<image>"} (32001) and,
 * because LLaMA-2 has no pad token, {@code "<PAD>"} (32002); vocabulary 32003. {@code "### Image:"} is only a
 * placeholder that the data pipeline replaces with the ordinary tokens of {@code "### Image N:"}.
 */
public final class VisualChatTokens {
    public static final String IMAGE_MARKER = "### Image:";
    public static final String IMAGE = "<image>";
    public static final String PAD = "<PAD>";

    private VisualChatTokens() {}

    /** {@code tokenizer} with DS-VisualChat's special tokens added (the pad token only if it has none). */
    public static LlamaTokenizer addTo(LlamaTokenizer tokenizer) {
        return tokenizer.padId() >= 0
                ? tokenizer.withSpecialTokens(IMAGE_MARKER, IMAGE)
                : tokenizer.withSpecialTokens(IMAGE_MARKER, IMAGE, PAD);
    }
}
