package org.visualchat.mmca.demo;

import java.util.List;
import org.visualchat.mmca.demo.world.Cell;
import org.visualchat.mmca.demo.world.Scene;
import org.visualchat.mmca.demo.world.Shape;

/**
 * What each token of the demo's vision encoder is pretrained to recognise, and the text the demo language
 * model reads in place of an image during its own pretraining: a caption of exactly one word per encoder
 * token. The encoder sees a 32×32 image as CLS + 4×4 patches of 8 px (row-major); each quadrant of the
 * image is 2×2 patches, and its four patches stand for the shape's size, colour, kind and the quadrant's
 * name ("none" thrice for an empty quadrant). CLS stands for the word "scene".
 *
 * <p>This is the demo's miniature of the real recipe: a CLIP encoder learns visual concepts whose names a
 * language model already knows from text; the trained projection then has to map one onto the other.
 */
public final class VisualWords {
    /** The classes of the encoder's per-token head, in index order. */
    public static final List<String> WORDS = List.of("scene", "none", "small", "large", "red", "green", "blue", "yellow",
            "circle", "square", "triangle", "topleft", "topright", "bottomleft", "bottomright");
    /** Patches per side: the image is split 4×4, each quadrant 2×2. */
    public static final int GRID = 4;
    /** Tokens per image: CLS + GRID². */
    public static final int TOKENS = 1 + GRID * GRID;

    private VisualWords() {}

    /** The word of each encoder token of {@code scene}, CLS first, then patches row by row. */
    public static List<String> caption(Scene scene) {
        String[] words = new String[TOKENS];
        words[0] = "scene";
        for (int r = 0; r < GRID; r++) {
            for (int c = 0; c < GRID; c++) {
                Cell cell = Cell.values()[(r / 2) * 2 + c / 2];
                int slot = (r % 2) * 2 + c % 2;
                Shape shape = scene.at(cell).orElse(null);
                words[1 + r * GRID + c] = switch (slot) {
                    case 0 -> shape == null ? "none" : shape.size().word();
                    case 1 -> shape == null ? "none" : shape.colour().word();
                    case 2 -> shape == null ? "none" : shape.kind().word();
                    default -> cell.words().replace(" ", "");
                };
            }
        }
        return List.of(words);
    }

    /** {@link #caption} as class indices into {@link #WORDS}: the encoder's pretraining targets. */
    public static int[] classes(Scene scene) {
        return caption(scene).stream().mapToInt(WORDS::indexOf).toArray();
    }
}
