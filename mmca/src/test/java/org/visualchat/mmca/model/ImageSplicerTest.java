package org.visualchat.mmca.model;

import org.junit.jupiter.api.Test;
import org.visualchat.autograd.Reductions;
import org.visualchat.autograd.Variable;
import org.visualchat.tensor.Tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ImageSplicerTest {
    static final int IMG = 9, PAD = 2, H = 3, P = 2;

    // Row 0: three images; row 1: one image, collator-padded (code 0) at the end.
    static final int[][] IDS = {{1, 5, IMG, 6, IMG, IMG, 7, 8}, {1, IMG, 4, 4, 2, 2, 2, 2}};
    static final int[][] CODES = {{1, 1, 1, 1, 1, 1, 1, 1}, {1, 1, 1, 1, 0, 0, 0, 0}};
    static final int[][] LABELS = {{-100, -100, -100, -100, -100, -100, 7, 8}, {-100, -100, 4, 4, -100, -100, -100, -100}};

    static Variable table() {
        float[] t = new float[10 * H];
        for (int i = 0; i < t.length; i++) t[i] = i / 3 + (i % 3) * 0.1f;   // row r = (r, r + .1, r + .2)
        return Variable.parameter(Tensor.of(t, 10, H));
    }

    static Variable images() {
        float[] x = new float[4 * P * H];
        for (int i = 0; i < x.length; i++) x[i] = 100 * (1 + i / (P * H)) + i % (P * H);   // image n: 100(n+1) + k
        return Variable.parameter(Tensor.of(x, 4, P, H));
    }

    static float rowStart(SplicedBatch s, int r, int t) {
        return s.embeddings().value().get(r, t, 0);
    }

    @Test
    void imagesReplaceTheirSlotsInOrderWithCodesLabelsAndPadding() {
        SplicedBatch s = new ImageSplicer(IMG, PAD, false).splice(IDS, CODES, LABELS, new int[] {3, 1}, images(), table(), 8);
        // row 0: 8 ids + 3·(P−1) = 11 → padded to 16; row 1: 8 + 1 = 9 → 16
        assertEquals(16, s.length());
        assertArrayEquals(new int[] {1, 1, 2, 2, 1, 2, 2, 2, 2, 1, 1, 0, 0, 0, 0, 0}, s.codes()[0]);
        assertArrayEquals(new int[] {1, 2, 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, s.codes()[1]);
        assertArrayEquals(new int[] {-100, -100, -100, -100, -100, -100, -100, -100, -100, 7, 8, -100, -100, -100, -100, -100}, s.labels()[0]);
        assertArrayEquals(new int[] {-100, -100, -100, 4, 4, -100, -100, -100, -100, -100, -100, -100, -100, -100, -100, -100}, s.labels()[1]);
        float[] starts0 = new float[16];
        for (int t = 0; t < 16; t++) starts0[t] = rowStart(s, 0, t);
        assertArrayEquals(new float[] {1, 5, 100, 103, 6, 200, 203, 300, 303, 7, 8, 2, 2, 2, 2, 2}, starts0);
        assertEquals(400, rowStart(s, 1, 1));                            // row 1's image is the 4th of the batch
        assertEquals(4, rowStart(s, 1, 3));
    }

    @Test
    void referenceOrderPairsSlotsWithImagesInReverse() {
        SplicedBatch s = new ImageSplicer(IMG, PAD, true).splice(IDS, CODES, LABELS, new int[] {3, 1}, images(), table(), 1);
        assertEquals(11, s.length());                                    // no rounding with multiple 1
        assertEquals(300, rowStart(s, 0, 2));                            // first slot gets the last image (issue #800)
        assertEquals(200, rowStart(s, 0, 5));
        assertEquals(100, rowStart(s, 0, 7));
        assertEquals(400, rowStart(s, 1, 1));                            // a single image is unaffected
    }

    @Test
    void gradientsReachTheTableAndTheImagesButNotThroughPadding() {
        Variable table = table(), images = images();
        SplicedBatch s = new ImageSplicer(IMG, PAD, false).splice(IDS, CODES, LABELS, new int[] {3, 1}, images, table, 8);
        Reductions.sum(s.embeddings()).backward();
        float[] g = table.grad().toFloatArray();
        assertEquals(1f, g[5 * H], 0f);                                  // id 5 once
        assertEquals(2f, g[4 * H], 0f);                                  // id 4 twice
        assertEquals(4f, g[PAD * H], 0f);                                // the collator's 4 pad ids; the extra padding is detached
        assertEquals(0f, g[IMG * H], 0f);                                // <image> rows are discarded
        for (float x : images.grad().toFloatArray()) assertEquals(1f, x, 0f);
    }

    @Test
    void mismatchedImageCountsAreNamed() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> new ImageSplicer(IMG, PAD, false).splice(IDS, CODES, LABELS, new int[] {2, 1}, images(), table(), 8));
        assertTrue(e.getMessage().contains("rows reference 3 images but 4 were encoded"), e.getMessage());
        Variable three = Variable.of(images().value().narrow(0, 0, 3));
        e = assertThrows(IllegalArgumentException.class,
                () -> new ImageSplicer(IMG, PAD, false).splice(IDS, CODES, LABELS, new int[] {2, 1}, three, table(), 8));
        assertTrue(e.getMessage().contains("row 0 has 3 <image> tokens (id 9) but 2 images"), e.getMessage());
    }
}
