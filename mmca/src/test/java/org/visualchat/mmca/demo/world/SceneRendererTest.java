package org.visualchat.mmca.demo.world;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.visualchat.vision.image.ImageDecoder;
import org.visualchat.vision.image.RgbImage;

/** Reads scenes back from the pixels alone: the renderer draws what the scene says, at every quadrant. */
class SceneRendererTest {
    @Test
    void pixelsShowTheSceneKindColourSizeAndPlace() {
        // The reader below is a crude threshold classifier (fill ratio, top/bottom width); on small shapes whose
        // anti-aliased edge rows fall just under its saturation threshold it misreads a few squares. A renderer
        // bug (wrong colour, wrong quadrant, wrong kind) would fail far more than these margins allow.
        assertTrue(agreement(new SceneRenderer(64), 300) > 0.995);
        assertTrue(agreement(new SceneRenderer(32), 300) > 0.97);
    }

    /** Fraction of quadrants (filled or empty) whose pixels read back as what the scene says. */
    private static double agreement(SceneRenderer renderer, int scenes) {
        Random random = new Random(3);
        int agree = 0;
        for (int i = 0; i < scenes; i++) {
            Scene scene = SceneGenerator.next(random);
            RgbImage image = renderer.render(scene, random);
            for (Cell cell : Cell.values()) {
                if (scene.at(cell).map(SceneRendererTest::label).orElse("empty").equals(read(image, cell))) agree++;
            }
        }
        return agree / (double) (scenes * Cell.values().length);
    }

    @Test
    void pngRoundTripsExactly(@TempDir Path dir) throws Exception {
        RgbImage image = new SceneRenderer(32).render(SceneGenerator.next(new Random(5)), new Random(6));
        Path file = dir.resolve("sub/scene.png");
        ScenePng.write(image, file);
        assertEquals(image, ImageDecoder.decode(file));
        try (var files = Files.list(file.getParent())) {
            assertEquals(List.of(file), files.toList(), "no temporary file is left behind");
        }
    }

    @Test
    void rejectsOddOrTinySizes() {
        assertThrows(IllegalArgumentException.class, () -> new SceneRenderer(31));
        assertThrows(IllegalArgumentException.class, () -> new SceneRenderer(6));
    }

    /** Background and faint anti-aliased edges are grey; a shape pixel is clearly saturated. */
    private static boolean coloured(int r, int g, int b) {
        return Math.max(r, Math.max(g, b)) - Math.min(r, Math.min(g, b)) >= 60;
    }

    private static int rowWidth(RgbImage image, Cell cell, int y) {
        int half = image.width() / 2, n = 0;
        for (int x = cell.column * half; x < (cell.column + 1) * half; x++) {
            if (coloured(image.sample(x, y, 0), image.sample(x, y, 1), image.sample(x, y, 2))) n++;
        }
        return Math.max(n, 1);
    }

    private static String label(Shape s) {
        return s.size() + " " + s.colour() + " " + s.kind();
    }

    /** Classifies a quadrant: colour by nearest palette entry, size by area, kind by how much of its bounding box it fills. */
    private static String read(RgbImage image, Cell cell) {
        int half = image.width() / 2;
        int count = 0, minX = Integer.MAX_VALUE, maxX = -1, minY = Integer.MAX_VALUE, maxY = -1;
        long[] sum = new long[3];
        for (int y = cell.row * half; y < (cell.row + 1) * half; y++) {
            for (int x = cell.column * half; x < (cell.column + 1) * half; x++) {
                int r = image.sample(x, y, 0), g = image.sample(x, y, 1), b = image.sample(x, y, 2);
                if (!coloured(r, g, b)) continue;
                count++;
                minX = Math.min(minX, x); maxX = Math.max(maxX, x); minY = Math.min(minY, y); maxY = Math.max(maxY, y);
                sum[0] += r; sum[1] += g; sum[2] += b;
            }
        }
        if (count == 0) return "empty";
        ShapeColour colour = null;
        double best = Double.MAX_VALUE;
        for (ShapeColour c : ShapeColour.values()) {
            double d = Math.pow(sum[0] / (double) count - c.r, 2) + Math.pow(sum[1] / (double) count - c.g, 2) + Math.pow(sum[2] / (double) count - c.b, 2);
            if (d < best) { best = d; colour = c; }
        }
        double fill = count / (double) ((maxX - minX + 1) * (maxY - minY + 1));
        // A triangle (apex up) is much narrower near its top than near its bottom; a circle is symmetric.
        double topToBottom = rowWidth(image, cell, minY + 1) / (double) rowWidth(image, cell, maxY - 1);
        ShapeKind kind = fill > 0.88 ? ShapeKind.SQUARE : topToBottom < 0.6 ? ShapeKind.TRIANGLE : ShapeKind.CIRCLE;
        ShapeSize size = count > 0.25 * half * half ? ShapeSize.LARGE : ShapeSize.SMALL;
        return size + " " + colour + " " + kind;
    }
}
