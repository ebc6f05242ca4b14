package org.visualchat.mmca.demo;

import java.util.ArrayList;
import java.util.List;
import org.visualchat.mmca.demo.world.Cell;
import org.visualchat.mmca.demo.world.Scene;
import org.visualchat.mmca.demo.world.Shape;
import org.visualchat.mmca.demo.world.ShapeColour;
import org.visualchat.mmca.demo.world.ShapeKind;
import org.visualchat.mmca.demo.world.ShapeSize;

/**
 * What each token of the demo's vision encoder is pretrained to recognise, and the text the demo language
 * model reads in place of an image during its own pretraining: a caption of exactly one word per encoder
 * token. The encoder sees a 32×32 image as CLS + 4×4 patches of 8 px (row-major); each quadrant of the
 * image is 2×2 patches. A quadrant's left patches stand for its shape as one word ({@code large_red_circle},
 * or {@code empty}) and its right patches for the quadrant's name ({@code topleft} ...), so in reading order
 * every shape word is immediately followed by where it is (each pair twice, once per patch row). CLS stands
 * for the word {@code scene}.
 *
 * <p>This is the demo's miniature of the real recipe: a CLIP encoder learns visual concepts whose names a
 * language model already knows from text; the trained projection then has to map one onto the other.
 */
public final class VisualWords {
    /** The classes of the encoder's per-token head, in index order. */
    public static final List<String> WORDS = words();
    /** Patches per side: the image is split 4×4, each quadrant 2×2. */
    public static final int GRID = 4;
    /** Tokens per image: CLS + GRID². */
    public static final int TOKENS = 1 + GRID * GRID;

    private VisualWords() {}

    private static List<String> words() {
        List<String> words = new ArrayList<>(List.of("scene", "empty"));
        for (ShapeSize size : ShapeSize.values()) {
            for (ShapeColour colour : ShapeColour.values()) {
                for (ShapeKind kind : ShapeKind.values()) words.add(shapeWord(new Shape(kind, colour, size, Cell.TOP_LEFT)));
            }
        }
        for (Cell cell : Cell.values()) words.add(placeWord(cell));
        return List.copyOf(words);
    }

    static String shapeWord(Shape s) {
        return s.size().word() + "_" + s.colour().word() + "_" + s.kind().word();
    }

    static String placeWord(Cell cell) {
        return cell.words().replace(" ", "");
    }

    /** The word of each encoder token of {@code scene}, CLS first, then patches row by row. */
    public static List<String> caption(Scene scene) {
        String[] words = new String[TOKENS];
        words[0] = "scene";
        for (int r = 0; r < GRID; r++) {
            for (int c = 0; c < GRID; c++) {
                Cell cell = Cell.values()[(r / 2) * 2 + c / 2];
                words[1 + r * GRID + c] = c % 2 == 1 ? placeWord(cell) : scene.at(cell).map(VisualWords::shapeWord).orElse("empty");
            }
        }
        return List.of(words);
    }

    /** {@link #caption} as class indices into {@link #WORDS}: the encoder's pretraining targets. */
    public static int[] classes(Scene scene) {
        return caption(scene).stream().mapToInt(WORDS::indexOf).toArray();
    }
}
