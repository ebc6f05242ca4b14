package org.visualchat.mmca.demo.world;

import java.util.Random;
import org.visualchat.vision.image.RgbImage;

/**
 * Paints a {@link Scene} into a square RGB image: a light, slightly noisy background and, in each occupied
 * quadrant, the shape with its centre jittered by up to a tenth of the cell so that no two renderings of a
 * scene are pixel-identical. Edges are anti-aliased by 4×4 supersampling, so a shape's outline is a coverage
 * fraction, as in a photograph, rather than a staircase the encoder could memorise.
 */
public final class SceneRenderer {
    private static final int BACKGROUND = 236;
    private static final int NOISE = 6;
    private static final int SUPERSAMPLE = 4;

    private final int size;

    /** Renders {@code size × size} images; the size must be even so the quadrants are equal. */
    public SceneRenderer(int size) {
        if (size < 8 || size % 2 != 0) throw new IllegalArgumentException("image size must be even and >= 8, got " + size);
        this.size = size;
    }

    public int size() { return size; }

    /** The scene painted with jitter and noise drawn from {@code random}. */
    public RgbImage render(Scene scene, Random random) {
        double[] rgb = new double[size * size * 3];
        for (int i = 0; i < rgb.length; i++) rgb[i] = BACKGROUND + random.nextInt(2 * NOISE + 1) - NOISE;
        double half = size / 4.0;                       // half a cell side
        for (Shape shape : scene.shapes()) {
            double cx = (2 * shape.cell().column + 1) * half + (random.nextDouble() * 2 - 1) * 0.1 * half;
            double cy = (2 * shape.cell().row + 1) * half + (random.nextDouble() * 2 - 1) * 0.1 * half;
            paint(rgb, shape, cx, cy, shape.size().radius * half * 0.9);
        }
        byte[] bytes = new byte[rgb.length];
        for (int i = 0; i < rgb.length; i++) bytes[i] = (byte) Math.clamp(Math.round(rgb[i]), 0, 255);
        return RgbImage.of(size, size, bytes);
    }

    private void paint(double[] rgb, Shape shape, double cx, double cy, double r) {
        int x0 = Math.max(0, (int) Math.floor(cx - r - 1)), x1 = Math.min(size - 1, (int) Math.ceil(cx + r + 1));
        int y0 = Math.max(0, (int) Math.floor(cy - r - 1)), y1 = Math.min(size - 1, (int) Math.ceil(cy + r + 1));
        ShapeColour c = shape.colour();
        for (int y = y0; y <= y1; y++) {
            for (int x = x0; x <= x1; x++) {
                double cover = coverage(shape.kind(), x - cx, y - cy, r);
                if (cover == 0) continue;
                int p = (y * size + x) * 3;
                rgb[p] += cover * (c.r - rgb[p]);
                rgb[p + 1] += cover * (c.g - rgb[p + 1]);
                rgb[p + 2] += cover * (c.b - rgb[p + 2]);
            }
        }
    }

    /** Fraction of the pixel whose top-left corner is at (dx, dy) from the centre that the shape covers. */
    private static double coverage(ShapeKind kind, double dx, double dy, double r) {
        int inside = 0;
        for (int sy = 0; sy < SUPERSAMPLE; sy++) {
            for (int sx = 0; sx < SUPERSAMPLE; sx++) {
                double px = dx + (sx + 0.5) / SUPERSAMPLE, py = dy + (sy + 0.5) / SUPERSAMPLE;
                if (inside(kind, px, py, r)) inside++;
            }
        }
        return inside / (double) (SUPERSAMPLE * SUPERSAMPLE);
    }

    static boolean inside(ShapeKind kind, double x, double y, double r) {
        return switch (kind) {
            case CIRCLE -> x * x + y * y <= r * r;
            // Equal area to the circle would be 0.886 r; a slightly smaller square keeps corners inside the cell.
            case SQUARE -> Math.abs(x) <= 0.85 * r && Math.abs(y) <= 0.85 * r;
            // Apex up; the half-width grows linearly from 0 at the apex (y = -r) to r at the base (y = r).
            case TRIANGLE -> y >= -r && y <= r && Math.abs(x) <= (y + r) / 2;
        };
    }
}
