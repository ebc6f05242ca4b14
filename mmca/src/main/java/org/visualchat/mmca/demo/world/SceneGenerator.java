package org.visualchat.mmca.demo.world;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Draws random scenes: each quadrant is filled with probability 0.65 (at least one shape), kind, colour and
 * size uniform. With 4 quadrants and 3 × 4 × 2 = 24 shape variants there are 25⁴ − 1 = 390,624 scenes, so a
 * demo sees only a fraction of them and held-out scenes are genuinely new.
 */
public final class SceneGenerator {
    private static final double FILL = 0.65;

    private SceneGenerator() {}

    /** One scene from {@code random}'s next draws (deterministic for a seeded {@link Random}). */
    public static Scene next(Random random) {
        while (true) {
            List<Shape> shapes = new ArrayList<>();
            for (Cell cell : Cell.values()) {
                if (random.nextDouble() < FILL) shapes.add(new Shape(pick(random, ShapeKind.values()),
                        pick(random, ShapeColour.values()), pick(random, ShapeSize.values()), cell));
            }
            if (!shapes.isEmpty()) return new Scene(shapes);
        }
    }

    /** The next scene that falls in {@code split}: held-out and training scenes never coincide. */
    public static Scene next(Random random, Split split) {
        while (true) {
            Scene scene = next(random);
            if (Split.of(scene) == split) return scene;
        }
    }

    static <T> T pick(Random random, T[] values) {
        return values[random.nextInt(values.length)];
    }
}
