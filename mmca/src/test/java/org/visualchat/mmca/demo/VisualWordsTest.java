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
    void eachQuadrantsPatchNamesItsWholeShapeRowMajor() {
        Scene scene = new Scene(List.of(new Shape(ShapeKind.CIRCLE, ShapeColour.RED, ShapeSize.LARGE, Cell.TOP_RIGHT),
                new Shape(ShapeKind.TRIANGLE, ShapeColour.BLUE, ShapeSize.SMALL, Cell.BOTTOM_LEFT)));
        List<String> emptyTopLeft = List.of("empty", "topleft"), redCircle = List.of("circle", "red", "large", "topright");
        List<String> blueTriangle = List.of("triangle", "blue", "small", "bottomleft"), emptyBottomRight = List.of("empty", "bottomright");
        // CLS, then the 2×2 patch grid row by row: one patch per quadrant.
        assertEquals(List.of(List.of("scene"), emptyTopLeft, redCircle, blueTriangle, emptyBottomRight), VisualWords.caption(scene));
        int[][] classes = VisualWords.classes(scene);
        assertEquals(VisualWords.TOKENS, classes.length);
        assertArrayEquals(new int[] {0, VisualWords.NONE, VisualWords.NONE, VisualWords.NONE}, classes[0]);
        assertArrayEquals(new int[] {2, 0, 1, 1}, classes[2], "circle, red, large, topright as class indices");
        assertEquals(List.of("scene", "empty", "circle", "square", "triangle", "red", "green", "blue", "yellow",
                "small", "large", "topleft", "topright", "bottomleft", "bottomright"), VisualWords.WORDS);
    }
}
