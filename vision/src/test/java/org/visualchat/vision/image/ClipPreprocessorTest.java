package org.visualchat.vision.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.visualchat.tensor.Tensor;

/**
 * Resampling against an independent double-precision reference (no fixed point, no intermediate
 * rounding: within 1 level of the exact 8-bit pipeline), and the tensor layout of the preprocessor.
 * Bit-exactness against Pillow itself is {@link PillowParityTest}'s job.
 */
class ClipPreprocessorTest {
    private static RgbImage noise(int w, int h, long seed) {
        byte[] px = new byte[w * h * 3];
        SplittableRandom rng = new SplittableRandom(seed);
        for (int i = 0; i < px.length; i++) px[i] = (byte) rng.nextInt(256);
        return RgbImage.of(w, h, px);
    }

    /** The antialiased bicubic of PillowBicubic's javadoc, restated with doubles: separable, no rounding. */
    private static double[] referenceResize(RgbImage in, int outW, int outH) {
        double[][] wx = weights(in.width(), outW), wy = weights(in.height(), outH);
        double[] out = new double[outW * outH * 3];
        for (int y = 0; y < outH; y++) for (int x = 0; x < outW; x++) for (int c = 0; c < 3; c++) {
            double acc = 0;
            for (int sy = 0; sy < in.height(); sy++) {
                if (wy[y][sy] == 0) continue;
                double row = 0;
                for (int sx = 0; sx < in.width(); sx++) row += wx[x][sx] * in.sample(sx, sy, c);
                acc += wy[y][sy] * Math.clamp(row, 0, 255);
            }
            out[(y * outW + x) * 3 + c] = Math.clamp(acc, 0, 255);
        }
        return out;
    }

    /** Dense [out][in] weights: Keys a = −0.5 stretched by max(in/out, 1), taps clipped at the edges, sum 1. */
    private static double[][] weights(int in, int out) {
        double scale = (double) in / out, fs = Math.max(scale, 1), support = 2 * fs;
        double[][] w = new double[out][in];
        for (int i = 0; i < out; i++) {
            double center = (i + 0.5) * scale, sum = 0;
            for (int j = Math.max(0, (int) (center - support + 0.5)); j < Math.min(in, (int) (center + support + 0.5)); j++) {
                double t = Math.abs((j + 0.5 - center) / fs);
                w[i][j] = t < 1 ? (1.5 * t - 2.5) * t * t + 1 : t < 2 ? ((-0.5 * t + 2.5) * t - 4) * t + 2 : 0;
                sum += w[i][j];
            }
            for (int j = 0; j < in; j++) w[i][j] /= sum;
        }
        return w;
    }

    @ParameterizedTest
    @CsvSource({"1,1,7,3", "7,1,1,7", "17,33,33,17", "1000,7,33,1", "33,17,1,1000", "32,24,100,90", "300,200,17,7"})
    void resizeMatchesDoubleReference(int w, int h, int outW, int outH) {
        RgbImage in = noise(w, h, w * 1000L + h);
        RgbImage out = PillowBicubic.resizeWindow(in, outW, outH, 0, 0, outW, outH);
        double[] ref = referenceResize(in, outW, outH);
        double max = 0;
        for (int i = 0; i < ref.length; i++) max = Math.max(max, Math.abs(ref[i] - (out.toByteArray()[i] & 0xFF)));
        // Two roundings to 8 bits (after each pass) and 22-bit weights: at most ~1 level from exact.
        assertTrue(max <= 1.5, "max difference from the double-precision reference: " + max);
    }

    @Test
    void windowEqualsCropOfFullResize() {
        RgbImage in = noise(50, 31, 5);
        RgbImage full = PillowBicubic.resizeWindow(in, 70, 40, 0, 0, 70, 40);
        RgbImage window = PillowBicubic.resizeWindow(in, 70, 40, 13, 9, 20, 17);
        for (int y = 0; y < 17; y++) for (int x = 0; x < 20; x++) for (int c = 0; c < 3; c++) {
            assertEquals(full.sample(13 + x, 9 + y, c), window.sample(x, y, c));
        }
    }

    @Test
    void sameSizeIsIdentity() {
        RgbImage in = noise(9, 5, 3);
        assertEquals(in, PillowBicubic.resizeWindow(in, 9, 5, 0, 0, 9, 5));
    }

    @Test
    void constantImageNormalisesToTheFormula() {
        byte[] px = new byte[40 * 30 * 3];
        for (int i = 0; i < px.length; i += 3) { px[i] = (byte) 200; px[i + 1] = 100; px[i + 2] = 0; }
        Tensor t = ClipPreprocessor.CLIP_224.preprocess(RgbImage.of(40, 30, px));
        assertArrayEquals(new int[] {3, 224, 224}, t.shape());
        int[] v = {200, 100, 0};
        for (int c = 0; c < 3; c++) {
            double expected = (v[c] / 255.0 - ClipPreprocessor.CLIP_MEAN[c]) / ClipPreprocessor.CLIP_STD[c];
            for (int[] at : new int[][] {{0, 0}, {223, 223}, {111, 5}}) assertEquals(expected, t.get(c, at[0], at[1]), 1e-6);
        }
    }

    @Test
    void resizeKeepsAspectAndCropsTheCentre() {
        // 600×400 → 336×224 (short side 224, long int(224·600/400)), crop columns 56..279.
        RgbImage in = noise(600, 400, 9);
        RgbImage crop = ClipPreprocessor.CLIP_224.resizeAndCrop(in);
        RgbImage full = PillowBicubic.resizeWindow(in, 336, 224, 0, 0, 336, 224);
        assertEquals(224, crop.width());
        assertEquals(224, crop.height());
        assertEquals(full.sample(56, 0, 0), crop.sample(0, 0, 0));
        assertEquals(full.sample(279, 223, 2), crop.sample(223, 223, 2));
    }

    @Test
    void batchStacksSingleResults() {
        List<RgbImage> images = List.of(noise(30, 20, 1), noise(1, 1, 2), noise(500, 448, 3));
        Tensor batch = ClipPreprocessor.QWEN_448.preprocessBatch(images);
        assertArrayEquals(new int[] {3, 3, 448, 448}, batch.shape());
        for (int i = 0; i < images.size(); i++) {
            assertArrayEquals(ClipPreprocessor.QWEN_448.preprocess(images.get(i)).toFloatArray(), batch.select(0, i).contiguous().toFloatArray());
        }
        assertThrows(IllegalArgumentException.class, () -> ClipPreprocessor.CLIP_224.preprocessBatch(List.of()));
    }

    @Test
    void rejectsBadConfigurations() {
        float[] m = ClipPreprocessor.CLIP_MEAN, s = ClipPreprocessor.CLIP_STD;
        assertThrows(IllegalArgumentException.class, () -> new ClipPreprocessor(224, 336, m, s));
        assertThrows(IllegalArgumentException.class, () -> new ClipPreprocessor(0, 0, m, s));
        assertThrows(IllegalArgumentException.class, () -> new ClipPreprocessor(224, 224, new float[2], s));
        assertThrows(IllegalArgumentException.class, () -> new ClipPreprocessor(224, 224, m, new float[] {1, 0, 1}));
        assertThrows(IllegalArgumentException.class, () -> RgbImage.of(2, 2, new byte[11]));
    }
}
