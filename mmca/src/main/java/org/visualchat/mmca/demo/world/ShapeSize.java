package org.visualchat.mmca.demo.world;

/** Two sizes, far enough apart (radius 0.55 vs 0.9 of half a cell) to be unambiguous at 16 px per patch (8 px until session 13). */
public enum ShapeSize {
    SMALL(0.55), LARGE(0.9);

    /** Radius as a fraction of half the cell side. */
    final double radius;

    ShapeSize(double radius) { this.radius = radius; }

    public String word() { return name().toLowerCase(java.util.Locale.ROOT); }
}
