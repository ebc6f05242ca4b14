package org.visualchat.mmca.demo.world;

/** The kinds of shape the synthetic world draws; {@link #word()} is how conversations name them. */
public enum ShapeKind {
    CIRCLE, SQUARE, TRIANGLE;

    public String word() { return name().toLowerCase(java.util.Locale.ROOT); }

    public String plural() { return word() + "s"; }
}
