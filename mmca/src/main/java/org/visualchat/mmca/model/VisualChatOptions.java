package org.visualchat.mmca.model;

import org.visualchat.mmca.attention.MmcaMode;

/**
 * How a {@link VisualChatModel} behaves. Defaults are the corrected behaviour; the two parity flags
 * reproduce the original's apparent bugs for comparisons (reference §1.7, §6.1, §9).
 *
 * @param attention                   MMCA mode (default strict; reference = the original's arithmetic; causal = no MMCA)
 * @param reverseImageOrder           parity: pair the i-th {@code <image>} slot with image n − 1 − i when a row has n ≥ 2
 *                                    images, as the original does in training and generation (DeepSpeedExamples issue #800)
 * @param frozenEmbeddingForGenerated parity: feed generated tokens back through the decoder's frozen table instead of
 *                                    the trained {@code lang_embed} copy, as HF {@code generate} does in the original
 * @param imageTokenId                id of {@code <image>} (32001 with the reference's added tokens)
 * @param padId                       padding id (EOS = 2: the original sets pad_token = eos_token)
 * @param eosId                       end of sequence: generation stops there
 */
public record VisualChatOptions(MmcaMode attention, boolean reverseImageOrder, boolean frozenEmbeddingForGenerated,
                                int imageTokenId, int padId, int eosId) {
    public static final int IMAGE_TOKEN_ID = 32001;
    public static final int EOS_ID = 2;

    /** Strict MMCA, images in order, generated tokens through the trained copy; LLaMA-2 ids. */
    public static VisualChatOptions defaults() {
        return new VisualChatOptions(MmcaMode.STRICT, false, false, IMAGE_TOKEN_ID, EOS_ID, EOS_ID);
    }

    /** Everything as the original: reference MMCA arithmetic, reversed image order, frozen table for generated tokens. */
    public static VisualChatOptions original() {
        return new VisualChatOptions(MmcaMode.REFERENCE, true, true, IMAGE_TOKEN_ID, EOS_ID, EOS_ID);
    }

    public VisualChatOptions withAttention(MmcaMode mode) {
        return new VisualChatOptions(mode, reverseImageOrder, frozenEmbeddingForGenerated, imageTokenId, padId, eosId);
    }

    public VisualChatOptions withImageOrder(boolean reversed) {
        return new VisualChatOptions(attention, reversed, frozenEmbeddingForGenerated, imageTokenId, padId, eosId);
    }

    public VisualChatOptions withTokens(int imageToken, int pad, int eos) {
        return new VisualChatOptions(attention, reverseImageOrder, frozenEmbeddingForGenerated, imageToken, pad, eos);
    }
}
