package org.visualchat.mmca.demo;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.visualchat.mmca.demo.world.Cell;
import org.visualchat.mmca.demo.world.Scene;
import org.visualchat.mmca.demo.world.Shape;
import org.visualchat.mmca.demo.world.ShapeColour;
import org.visualchat.mmca.demo.world.ShapeKind;
import org.visualchat.mmca.demo.world.ShapeSize;

class VisualWordsTest {
    @Test
    void eachQuadrantsPatchesNameItsShapeRowMajor() {
        Scene scene = new Scene(List.of(new Shape(ShapeKind.CIRCLE, ShapeColour.RED, ShapeSize.LARGE, Cell.TOP_RIGHT),
                new Shape(ShapeKind.TRIANGLE, ShapeColour.BLUE, ShapeSize.SMALL, Cell.BOTTOM_LEFT)));
        // Rows of the 4×4 patch grid; each quadrant's left patches name the shape, its right patches the place.
        assertEquals(List.of("scene",
                "empty", "topleft", "large_red_circle", "topright",
                "empty", "topleft", "large_red_circle", "topright",
                "small_blue_triangle", "bottomleft", "empty", "bottomright",
                "small_blue_triangle", "bottomleft", "empty", "bottomright"), VisualWords.caption(scene));
        int[] classes = VisualWords.classes(scene);
        assertEquals(VisualWords.TOKENS, classes.length);
        assertEquals(VisualWords.WORDS.indexOf("large_red_circle"), classes[3]);
        assertEquals(2 + 24 + 4, VisualWords.WORDS.size(), "scene, empty, 24 shapes, 4 places");
    }
}
