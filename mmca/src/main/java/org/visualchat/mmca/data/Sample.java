package org.visualchat.mmca.data;

import org.visualchat.mmca.prompt.EncodedConversation;
import org.visualchat.vision.image.RgbImage;

import java.util.List;

/**
 * A validated training sample ready for the {@link Collator}: tokens with one {@code <image>} placeholder per
 * image, and the images already resized and centre-cropped for the vision encoder (8-bit, {@code S × S}).
 *
 * @param id     dataset name and index, for logs
 * @param tokens ids, labels and codes (code 2 exactly at the placeholders)
 * @param images one per placeholder, in order
 */
public record Sample(String id, EncodedConversation tokens, List<RgbImage> images) {
    public Sample {
        images = List.copyOf(images);
        if (tokens.imagePlaceholders() != images.size()) {
            throw new IllegalArgumentException(id + ": " + tokens.imagePlaceholders() + " <image> placeholders but "
                    + images.size() + " images");
        }
    }
}
