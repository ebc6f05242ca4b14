package org.visualchat.mmca.demo.world;

/** The colours of the synthetic world, with the RGB value each is painted in. */
public enum ShapeColour {
    RED(220, 40, 40), GREEN(40, 170, 60), BLUE(40, 80, 225), YELLOW(235, 200, 30);

    final int r, g, b;

    ShapeColour(int r, int g, int b) { this.r = r; this.g = g; this.b = b; }

    public String word() { return name().toLowerCase(java.util.Locale.ROOT); }
}
