package org.visualchat.mmca.demo.world;

/**
 * The four places a shape can sit: the quadrants of the image. One shape per quadrant keeps every
 * question's answer exact (no overlaps, no "which one do you mean").
 */
public enum Cell {
    TOP_LEFT(0, 0), TOP_RIGHT(1, 0), BOTTOM_LEFT(0, 1), BOTTOM_RIGHT(1, 1);

    final int column, row;

    Cell(int column, int row) { this.column = column; this.row = row; }

    /** "top left", as descriptions say it. */
    public String words() { return name().toLowerCase(java.util.Locale.ROOT).replace('_', ' '); }
}
