package org.visualchat.vision.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.visualchat.tensor.Tensor;

/**
 * Decoding and CLIP preprocessing against Pillow 9.4 + NumPy on real photographs from Debian packages and
 * synthetic edge cases (fixtures: {@link PillowFixtures}). The resize is checked on Pillow's own decoded
 * pixels, so a decoder difference cannot hide a resampling one. Per-case maximum differences go to
 * {@code target/image-parity-report.tsv}.
 */
class PillowParityTest {
    private static final Map<String, String> REPORT = new ConcurrentSkipListMap<>();
    private static final ClipPreprocessor[] PROCESSORS = {ClipPreprocessor.CLIP_224, ClipPreprocessor.QWEN_448};

    static List<PillowFixtures.Case> cases() {
        return PillowFixtures.cases();
    }

    /**
     * Lossy WebP (VP8) is the one format not decoded bit-exactly: TwelveMonkeys' VP8 decoder reconstructs
     * pixels differently from libwebp (Pillow's): measured up to 31 levels apart, 2.9–3.6 levels on
     * average (chelsea re-encoded, gnome's wood-d.webp). These bounds only catch gross breakage; every
     * other format must match exactly.
     */
    private static boolean isLossyWebp(PillowFixtures.Case c) {
        byte[] head = PillowFixtures.u8(c.image());
        String riff = new String(head, 0, Math.min(head.length, 64), StandardCharsets.ISO_8859_1);
        return riff.startsWith("RIFF") && (riff.contains("VP8 ") || riff.contains("ALPH"));
    }

    private static final int LOSSY_WEBP_MAX_DIFF = 40;
    private static final double LOSSY_WEBP_MEAN_DIFF = 5.0;

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void matchesPillow(PillowFixtures.Case c) throws IOException {
        List<String> cells = new ArrayList<>();
        RgbImage decoded = ImageDecoder.decode(c.image(), DecodeOptions.PILLOW_PARITY);
        assertEquals(c.width(), decoded.width(), "width");
        assertEquals(c.height(), decoded.height(), "height");
        byte[] pillowDecoded = PillowFixtures.u8(c.ref("decoded.u8"));
        int decodeDiff = maxDiff(pillowDecoded, decoded.toByteArray());
        double decodeMean = meanDiff(pillowDecoded, decoded.toByteArray());
        cells.add("decode=" + decodeDiff);
        cells.add(String.format(Locale.ROOT, "decode_mean=%.4f", decodeMean));

        RgbImage upright = ImageDecoder.decode(c.image());
        byte[] expectedUpright = PillowFixtures.u8(c.ref(c.hasUpright() ? "upright.u8" : "decoded.u8"));
        int uprightDiff = maxDiff(expectedUpright, upright.toByteArray());
        cells.add("default_decode=" + uprightDiff);

        RgbImage pillowPixels = RgbImage.of(c.width(), c.height(), pillowDecoded);
        int[] resizeDiff = new int[2], endToEndDiff = new int[2];
        double[] floatDiff = new double[2];
        for (int i = 0; i < 2; i++) {
            ClipPreprocessor p = PROCESSORS[i];
            int s = p.cropSize();
            byte[] expectedCrop = PillowFixtures.u8(c.ref(s + ".u8"));
            resizeDiff[i] = maxDiff(expectedCrop, p.resizeAndCrop(pillowPixels).toByteArray());
            Tensor t = p.preprocess(pillowPixels);
            assertArrayEquals(new int[] {3, s, s}, t.shape());
            floatDiff[i] = maxDiff(PillowFixtures.f32(c.ref(s + ".f32")), t.toFloatArray());
            endToEndDiff[i] = maxDiff(expectedCrop, p.resizeAndCrop(decoded).toByteArray());
            cells.add("resize" + s + "=" + resizeDiff[i]);
            cells.add("f32_" + s + "=" + floatDiff[i]);
            cells.add("end_to_end" + s + "=" + endToEndDiff[i]);
        }
        REPORT.put(c.name(), c.description() + "\t" + String.join("\t", cells));

        boolean lossyWebp = isLossyWebp(c);
        int tolerance = lossyWebp ? LOSSY_WEBP_MAX_DIFF : 0;
        assertTrue(decodeDiff <= tolerance, "decoded pixels differ from Pillow by " + decodeDiff + " levels");
        if (lossyWebp) assertTrue(decodeMean <= LOSSY_WEBP_MEAN_DIFF, "lossy WebP pixels differ by " + decodeMean + " levels on average");
        assertTrue(uprightDiff <= tolerance, "default (upright) decode differs by " + uprightDiff + " levels");
        for (int i = 0; i < 2; i++) {
            int s = PROCESSORS[i].cropSize();
            assertEquals(0, resizeDiff[i], s + "px resize+crop of Pillow's pixels differs from Pillow's");
            assertTrue(floatDiff[i] <= 1e-6, s + "px normalised tensor differs from NumPy's by " + floatDiff[i]);
            assertTrue(endToEndDiff[i] <= Math.max(1, tolerance), s + "px end-to-end pixels differ by " + endToEndDiff[i]);
        }
    }

    @AfterAll
    static void writeReport() throws IOException {
        List<String> lines = new ArrayList<>();
        REPORT.forEach((name, row) -> lines.add(name + "\t" + row));
        Files.write(Path.of("target/image-parity-report.tsv"), lines);
    }

    private static int maxDiff(byte[] expected, byte[] actual) {
        assertEquals(expected.length, actual.length, "pixel count");
        int max = 0;
        for (int i = 0; i < expected.length; i++) max = Math.max(max, Math.abs((expected[i] & 0xFF) - (actual[i] & 0xFF)));
        return max;
    }

    private static double meanDiff(byte[] expected, byte[] actual) {
        long sum = 0;
        for (int i = 0; i < expected.length; i++) sum += Math.abs((expected[i] & 0xFF) - (actual[i] & 0xFF));
        return (double) sum / expected.length;
    }

    private static double maxDiff(float[] expected, float[] actual) {
        assertEquals(expected.length, actual.length, "element count");
        double max = 0;
        for (int i = 0; i < expected.length; i++) max = Math.max(max, Math.abs((double) expected[i] - actual[i]));
        return max;
    }
}
