package org.visualchat.mmca.data;

import org.visualchat.mmca.prompt.ConversationEncoder;
import org.visualchat.mmca.prompt.EncodedConversation;
import org.visualchat.mmca.prompt.PromptTemplate;
import org.visualchat.vision.image.ClipPreprocessor;
import org.visualchat.vision.image.DecodeOptions;
import org.visualchat.vision.image.RgbImage;

import java.util.ArrayList;
import java.util.List;

/**
 * Turns a {@link Conversation} into a {@link Sample}: checks it, tokenizes it with the {@link ConversationEncoder},
 * decodes and crops its images. Every problem becomes a {@link BadSampleException} with its {@link SkipReason}
 * (the original would crash instead). Immutable and thread-safe.
 *
 * <p>Length: the original never limits a sample's length ({@code --max_seq_len} only sizes the RoPE cache; each
 * round is cut at 512 tokens). {@code maxSeqLen > 0} adds a limit here: a sample whose length after expanding
 * every image to {@code tokensPerImage} positions exceeds it is skipped as {@link SkipReason#TOO_LONG}, never cut.
 * {@code maxSeqLen = 0} is the original's behaviour.
 */
public final class SamplePreparer {
    private final ConversationEncoder encoder;
    private final ClipPreprocessor preprocessor;
    private final DecodeOptions decodeOptions;
    private final int maxSeqLen;
    private final int tokensPerImage;

    /**
     * @param decodeOptions  {@link DecodeOptions#PILLOW_PARITY} reads pixels as the original's Pillow does
     * @param maxSeqLen      0 for no limit (the original), else the longest allowed expanded sample
     * @param tokensPerImage the vision encoder's tokens per image (QWen 256, CLIP-L/14 257), for the length check
     */
    public SamplePreparer(ConversationEncoder encoder, ClipPreprocessor preprocessor, DecodeOptions decodeOptions,
                          int maxSeqLen, int tokensPerImage) {
        if (maxSeqLen < 0) throw new IllegalArgumentException("maxSeqLen must be >= 0, got " + maxSeqLen);
        if (tokensPerImage < 1) throw new IllegalArgumentException("tokensPerImage must be >= 1, got " + tokensPerImage);
        this.encoder = encoder;
        this.preprocessor = preprocessor;
        this.decodeOptions = decodeOptions;
        this.maxSeqLen = maxSeqLen;
        this.tokensPerImage = tokensPerImage;
    }

    public ConversationEncoder encoder() { return encoder; }

    /** Tokens only (no image decoding): the checks that need no pixels, then the encoded sample. */
    public EncodedConversation encode(Conversation conversation) throws BadSampleException {
        int images = conversation.images().size();
        if (images == 0) {
            throw new BadSampleException(SkipReason.NO_IMAGE, conversation.id() + ": sample has no image");
        }
        if (images > PromptTemplate.MAX_IMAGES) {
            throw new BadSampleException(SkipReason.TOO_MANY_IMAGES, conversation.id() + ": " + images
                    + " images, at most " + PromptTemplate.MAX_IMAGES + " have markers");
        }
        if (conversation.markedImages() != images) {
            throw new BadSampleException(SkipReason.IMAGE_COUNT_MISMATCH, conversation.id() + ": rounds introduce "
                    + conversation.markedImages() + " images but the sample has " + images);
        }
        EncodedConversation tokens = encoder.encode(conversation.turns(), conversation.numbering());
        if (tokens.imagePlaceholders() != images) {
            throw new BadSampleException(SkipReason.IMAGE_COUNT_MISMATCH, conversation.id() + ": "
                    + tokens.imagePlaceholders() + " <image> tokens after tokenization for " + images
                    + " images (a round cut at the token limit, or an <image> tag in the text)");
        }
        long expanded = tokens.length() + (long) images * (tokensPerImage - 1);
        if (maxSeqLen > 0 && expanded > maxSeqLen) {
            throw new BadSampleException(SkipReason.TOO_LONG, conversation.id() + ": " + expanded
                    + " positions with images expanded, limit " + maxSeqLen);
        }
        return tokens;
    }

    /** The full sample: {@link #encode} plus every image decoded, resized and centre-cropped. */
    public Sample prepare(Conversation conversation) throws BadSampleException {
        EncodedConversation tokens = encode(conversation);
        List<RgbImage> images = new ArrayList<>(conversation.images().size());
        for (ImageSource source : conversation.images()) {
            RgbImage image = source.decode(decodeOptions);
            if (image.width() <= 1 || image.height() <= 1) {
                // OCR-VQA's "cover not available" placeholders; the original filters them out while preprocessing.
                throw new BadSampleException(SkipReason.UNREADABLE_IMAGE, source.describe() + ": " + image.width() + "x"
                        + image.height() + " image (at most 1 pixel wide or high)");
            }
            images.add(preprocessor.resizeAndCrop(image));
        }
        return new Sample(conversation.id(), tokens, images);
    }
}
