package org.visualchat.mmca.demo.world;

import java.util.Objects;

/** One shape of a scene: what it is, its colour, its size and the quadrant it occupies. */
public record Shape(ShapeKind kind, ShapeColour colour, ShapeSize size, Cell cell) {
    public Shape {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(colour, "colour");
        Objects.requireNonNull(size, "size");
        Objects.requireNonNull(cell, "cell");
    }

    /** "a large red circle at the top left". */
    public String describe() {
        return "a " + size.word() + " " + colour.word() + " " + kind.word() + " at the " + cell.words();
    }
}
