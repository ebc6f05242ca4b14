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
        // Rows of the 4×4 patch grid; each quadrant is [size colour / kind place].
        assertEquals(List.of("scene",
                "none", "none", "large", "red",
                "none", "topleft", "circle", "topright",
                "small", "blue", "none", "none",
                "triangle", "bottomleft", "none", "bottomright"), VisualWords.caption(scene));
        int[] classes = VisualWords.classes(scene);
        assertEquals(VisualWords.TOKENS, classes.length);
        assertEquals(VisualWords.WORDS.indexOf("red"), classes[4]);
    }
}
