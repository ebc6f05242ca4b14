package org.visualchat.mmca.data;

/** Why a sample was skipped; {@link SkipLog} counts each. The original would crash on all of these. */
public enum SkipReason {
    /** An image file does not exist. */
    MISSING_IMAGE,
    /** An image exists but cannot be decoded (corrupt, truncated, unsupported, bad base64). */
    UNREADABLE_IMAGE,
    /** The number of {@code <image>} placeholders differs from the number of images (e.g. cut off by the
     *  512-token round limit, or an {@code <image>} tag left in the text). */
    IMAGE_COUNT_MISMATCH,
    /** The sample has no image (the original raises "we now did not support no-image case"). */
    NO_IMAGE,
    /** More than 8 images: {@code ### Image 9:} has no marker in the original. */
    TOO_MANY_IMAGES,
    /** Longer than the configured sequence limit once images are expanded to the encoder's token count. */
    TOO_LONG,
    /** A required field is missing or has the wrong type in the annotation. */
    MALFORMED_ANNOTATION
}
