package org.visualchat.mmca.data;

import org.visualchat.mmca.prompt.MarkerNumbering;
import org.visualchat.mmca.prompt.Turn;

import java.util.ArrayList;
import java.util.List;

/**
 * One training sample before tokenization: rounds in order, the images they introduce in order, and how the
 * image markers are numbered (the dataset's original loader decides).
 *
 * @param id        dataset name and index, for logs (e.g. {@code "llava[17]"})
 * @param turns     the rounds; round {@code r} introduces {@code turns.get(r).newImages()} images
 * @param images    all images of the sample, in the order the rounds introduce them
 * @param numbering token-level or text-level {@code ### Image N:} numbering
 */
public record Conversation(String id, List<Turn> turns, List<ImageSource> images, MarkerNumbering numbering) {
    public Conversation {
        turns = List.copyOf(turns);
        images = List.copyOf(images);
    }

    /**
     * Several single-image annotations joined into one multi-image multi-round sample, as
     * {@code VQADataset.__getitem__} does for a {@code random_grouping} group: rounds and images in group order,
     * numbering continuing across parts (the system prompt lands on the very first round because the template
     * puts it on round 0).
     */
    public static Conversation concat(String id, List<Conversation> parts) {
        if (parts.isEmpty()) throw new IllegalArgumentException("nothing to concatenate for " + id);
        List<Turn> turns = new ArrayList<>();
        List<ImageSource> images = new ArrayList<>();
        for (Conversation part : parts) {
            if (part.numbering() != parts.getFirst().numbering()) {
                throw new IllegalArgumentException(id + ": parts use different marker numbering");
            }
            turns.addAll(part.turns());
            images.addAll(part.images());
        }
        return new Conversation(id, turns, images, parts.getFirst().numbering());
    }

    /** Sum of {@link Turn#newImages()} over the rounds (must equal {@code images().size()} to be usable). */
    public int markedImages() {
        int n = 0;
        for (Turn turn : turns) n += turn.newImages();
        return n;
    }
}
