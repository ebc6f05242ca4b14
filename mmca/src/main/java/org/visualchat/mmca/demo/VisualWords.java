package org.visualchat.mmca.demo;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.visualchat.mmca.demo.world.Cell;
import org.visualchat.mmca.demo.world.Scene;
import org.visualchat.mmca.demo.world.Shape;
import org.visualchat.mmca.demo.world.ShapeColour;
import org.visualchat.mmca.demo.world.ShapeKind;
import org.visualchat.mmca.demo.world.ShapeSize;

/**
 * What each token of the demo's vision encoder is pretrained to recognise, and what the demo language model
 * reads in place of an image during its own pretraining: per encoder token a small <em>bag of words</em>, fed
 * to the language model as one position whose embedding is the (scaled) sum of the words' embeddings
 * ({@link CaptionEmbedding}).
 *
 * <p>The encoder sees a 32×32 image as CLS + 2×2 patches of 16 px (row-major): one patch per quadrant, naming
 * its quadrant's whole shape: {@code {circle, red, large, topleft}}, or {@code {empty, topleft}}; CLS is
 * {@code {scene}}. (Until session 13 the patches were 8 px, 4 per quadrant, each naming the same shape: four
 * copies of every bag, 17 positions an image instead of 5, which made a training step 15–18 % dearer and the
 * language model no better at reading them; mmca/docs/demo.md, Results.) A bag has four slots — what (scene /
 * empty / kind), colour, size, place — each one class of a small set or absent ({@link #NONE}).
 *
 * <p>Why bags of the conversations' own words, one position per encoder token: under MMCA an image token
 * attends only to itself among the image tokens (reference §2), so everything the text needs about a shape
 * must sit in one token — words spread over neighbouring positions ({@code red} then {@code circle}) could not
 * be bound together. And the words must be the ones questions and answers use, so that "red" in a caption
 * is the same embedding as "red" in "How many red shapes"; an earlier layout with one opaque word per shape
 * ({@code large_red_circle}, 24 of them) left even the caption-reading language model near chance
 * (mmca/docs/demo.md, Results). A bag is a sum of four attribute embeddings: exactly what a linear
 * projection can produce from encoder features in which each attribute is linearly readable — which is what
 * the encoder's per-slot heads train for.
 *
 * <p>This is the demo's miniature of the real recipe: a CLIP encoder learns visual concepts whose names a
 * language model already knows from text; the trained projection then has to map one onto the other.
 */
public final class VisualWords {
    /** An absent slot. */
    public static final int NONE = -1;
    /** The classes of each slot, in index order: what, colour, size, place. */
    public static final List<List<String>> SLOTS = slots();
    /** Every word a bag can hold, each once. */
    public static final List<String> WORDS = SLOTS.stream().flatMap(List::stream).toList();
    /** Patches per side: the image is split 2×2, one patch per quadrant. */
    public static final int GRID = 2;
    /** Tokens per image: CLS + GRID². */
    public static final int TOKENS = 1 + GRID * GRID;

    private VisualWords() {}

    private static List<List<String>> slots() {
        List<String> what = new ArrayList<>(List.of("scene", "empty"));
        for (ShapeKind kind : ShapeKind.values()) what.add(kind.word());
        List<String> colour = new ArrayList<>(), size = new ArrayList<>(), place = new ArrayList<>();
        for (ShapeColour c : ShapeColour.values()) colour.add(c.word());
        for (ShapeSize s : ShapeSize.values()) size.add(s.word());
        for (Cell cell : Cell.values()) place.add(cell.words().replace(" ", ""));
        return List.of(List.copyOf(what), List.copyOf(colour), List.copyOf(size), List.copyOf(place));
    }

    /**
     * The bag of each encoder token of {@code scene}, CLS first, then patches row by row: {@code [token][slot]}
     * class indices into {@link #SLOTS}, or {@link #NONE}. These are the encoder's pretraining targets.
     */
    public static int[][] classes(Scene scene) {
        int[][] bags = new int[TOKENS][];
        bags[0] = new int[] {0, NONE, NONE, NONE};
        for (int r = 0; r < GRID; r++) {
            for (int c = 0; c < GRID; c++) {
                Cell cell = Cell.values()[(r * 2 / GRID) * 2 + c * 2 / GRID];
                Optional<Shape> shape = scene.at(cell);
                bags[1 + r * GRID + c] = shape.isEmpty() ? new int[] {1, NONE, NONE, cell.ordinal()}
                        : new int[] {2 + shape.get().kind().ordinal(), shape.get().colour().ordinal(), shape.get().size().ordinal(), cell.ordinal()};
            }
        }
        return bags;
    }

    /** {@link #classes} as words, absent slots left out: {@code [circle, red, large, topleft]}. */
    public static List<List<String>> caption(Scene scene) {
        List<List<String>> out = new ArrayList<>();
        for (int[] bag : classes(scene)) {
            List<String> words = new ArrayList<>();
            for (int slot = 0; slot < bag.length; slot++) if (bag[slot] != NONE) words.add(SLOTS.get(slot).get(bag[slot]));
            out.add(List.copyOf(words));
        }
        return out;
    }
}
