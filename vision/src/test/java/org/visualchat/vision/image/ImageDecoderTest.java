package org.visualchat.vision.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.CRC32;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Decoder behaviour on images built here: errors, limits, grey samples, EXIF orientation. */
class ImageDecoderTest {
    @TempDir Path dir;

    /** A 4×3 RGB image whose pixels are all different: value = 10·(y·4 + x) + 2·channel. */
    private static BufferedImage asymmetric() {
        BufferedImage img = new BufferedImage(4, 3, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 3; y++) for (int x = 0; x < 4; x++) {
            int v = 10 * (y * 4 + x);
            img.setRGB(x, y, (v << 16) | ((v + 2) << 8) | (v + 4));
        }
        return img;
    }

    private static byte[] png(BufferedImage img) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertTrue(ImageIO.write(img, "png", out));
        return out.toByteArray();
    }

    private Path write(String name, byte[] data) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, data);
        return p;
    }

    private static ImageDecodeException failure(Path p) {
        return assertThrows(ImageDecodeException.class, () -> ImageDecoder.decode(p));
    }

    private static void assertNamesFile(ImageDecodeException e, Path p, String reason) {
        assertTrue(e.getMessage().startsWith(p.toString() + ": "), e.getMessage());
        assertTrue(e.getMessage().contains(reason), e.getMessage());
        assertEquals(p.toString(), e.file());
    }

    @Test
    void decodesRgbPngExactly() throws IOException {
        RgbImage img = ImageDecoder.decode(write("a.png", png(asymmetric())));
        assertEquals(4, img.width());
        assertEquals(3, img.height());
        for (int y = 0; y < 3; y++) for (int x = 0; x < 4; x++) for (int c = 0; c < 3; c++) {
            assertEquals(10 * (y * 4 + x) + 2 * c, img.sample(x, y, c));
        }
    }

    @Test
    void greyIsReadFromTheRasterNotThroughSrgbConversion() throws IOException {
        BufferedImage grey = new BufferedImage(256, 1, BufferedImage.TYPE_BYTE_GRAY);
        for (int x = 0; x < 256; x++) grey.getRaster().setSample(x, 0, 0, x);
        // getRGB() would turn the JDK's linear grey 64 into about 137.
        assertTrue(Math.abs(((grey.getRGB(64, 0) >> 16) & 0xFF) - 64) > 50);
        RgbImage img = ImageDecoder.decode(write("g.png", png(grey)));
        for (int x = 0; x < 256; x++) for (int c = 0; c < 3; c++) assertEquals(x, img.sample(x, 0, c));
    }

    @Test
    void onePixelImage() throws IOException {
        BufferedImage one = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB);
        one.setRGB(0, 0, 0x123456);
        RgbImage img = ImageDecoder.decode(write("one.png", png(one)));
        assertArrayEquals(new byte[] {0x12, 0x34, 0x56}, img.toByteArray());
    }

    @Test
    void missingFile() {
        Path p = dir.resolve("nope.jpg");
        assertNamesFile(failure(p), p, "not found");
    }

    @Test
    void directoryIsNotAnImage() {
        assertNamesFile(failure(dir), dir, "directory");
    }

    @Test
    void emptyFile() throws IOException {
        Path p = write("empty.png", new byte[0]);
        assertNamesFile(failure(p), p, "empty file");
    }

    @Test
    void unsupportedFormat() throws IOException {
        Path p = write("notes.jpg", "just some text, not pixels".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        assertNamesFile(failure(p), p, "unsupported or unrecognised image format (first bytes 6a 75 73 74");
    }

    @Test
    void truncatedPng() throws IOException {
        byte[] full = png(noise(64, 64));
        Path p = write("cut.png", Arrays.copyOf(full, full.length / 2));
        assertNamesFile(failure(p), p, "corrupt or truncated");
    }

    @Test
    void truncatedJpegIsRefusedLikePillowDoes() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertTrue(ImageIO.write(noise(64, 64), "jpeg", out));
        byte[] full = out.toByteArray();
        Path p = write("cut.jpg", Arrays.copyOf(full, full.length * 2 / 3));
        assertNamesFile(failure(p), p, "truncated");
    }

    @Test
    void corruptPngChecksum() throws IOException {
        byte[] data = png(noise(16, 16));
        data[data.length / 2] ^= 0x5A; // inside IDAT: zlib or CRC check fails
        Path p = write("bad.png", data);
        assertNamesFile(failure(p), p, "corrupt or truncated");
    }

    @Test
    void realTruncatedJpegFromSkimage() {
        Path p = PillowFixtures.dir().resolve("images/truncated.jpg");
        assertNamesFile(failure(p), p, "corrupt or truncated");
    }

    @Test
    void decompressionBombIsRefusedFromTheHeader() throws IOException {
        // A 100000×100000 PNG header with no pixel data: refused before any decoding is attempted.
        Path p = write("bomb.png", pngHeaderOnly(100_000, 100_000));
        ImageDecodeException e = failure(p);
        assertNamesFile(e, p, "100000x100000 = 10000000000 pixels exceeds the limit of 89478485 pixels");
    }

    @Test
    void pixelLimitIsConfigurable() throws IOException {
        Path p = write("n.png", png(noise(20, 10)));
        assertEquals(20, ImageDecoder.decode(p, DecodeOptions.DEFAULT.withMaxPixels(200)).width());
        ImageDecodeException e = assertThrows(ImageDecodeException.class,
                () -> ImageDecoder.decode(p, DecodeOptions.DEFAULT.withMaxPixels(199)));
        assertNamesFile(e, p, "20x10 = 200 pixels exceeds the limit of 199");
        assertThrows(IllegalArgumentException.class, () -> DecodeOptions.DEFAULT.withMaxPixels(0));
    }

    /**
     * EXIF orientation (EXIF 2.3 §4.6.4 tag 0x0112): where the stored top-left and top-right pixels end up
     * once displayed, for all eight values; PNG eXIf chunk written here. The JPEG and WebP containers are
     * covered against Pillow's exif_transpose in PillowParityTest.
     */
    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 4, 5, 6, 7, 8})
    void exifOrientation(int orientation) throws IOException {
        Path p = write("o" + orientation + ".png", withExif(png(asymmetric()), orientation));
        RgbImage stored = ImageDecoder.decode(p, DecodeOptions.PILLOW_PARITY);
        assertEquals(4, stored.width()); // parity mode ignores the tag, as DS-VisualChat's Pillow call does
        RgbImage shown = ImageDecoder.decode(p);
        boolean swapped = orientation >= 5;
        assertEquals(swapped ? 3 : 4, shown.width());
        assertEquals(swapped ? 4 : 3, shown.height());
        int right = shown.width() - 1, bottom = shown.height() - 1;
        // [x, y] of the stored top-left (value 0) and top-right (value 30) pixels after display.
        int[][][] where = {
            null,
            {{0, 0}, {right, 0}}, {{right, 0}, {0, 0}}, {{right, bottom}, {0, bottom}}, {{0, bottom}, {right, bottom}},
            {{0, 0}, {0, bottom}}, {{right, 0}, {right, bottom}}, {{right, bottom}, {right, 0}}, {{0, bottom}, {0, 0}},
        };
        assertEquals(0, shown.sample(where[orientation][0][0], where[orientation][0][1], 0), "stored top-left");
        assertEquals(30, shown.sample(where[orientation][1][0], where[orientation][1][1], 0), "stored top-right");
    }

    @Test
    void damagedExifIsIgnored() throws IOException {
        byte[] data = withExif(png(asymmetric()), 6);
        byte[] broken = withChunk(png(asymmetric()), "eXIf", new byte[] {'M', 'M', 0, 42, 0x7F, 0, 0, 0});
        assertEquals(3, ImageDecoder.decode(write("ok.png", data)).width());
        assertEquals(4, ImageDecoder.decode(write("broken.png", broken)).width());
    }

    private static BufferedImage noise(int w, int h) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        java.util.SplittableRandom rng = new java.util.SplittableRandom(w * 31L + h);
        for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) img.setRGB(x, y, rng.nextInt(1 << 24));
        return img;
    }

    /** A big-endian TIFF block whose IFD0 holds one SHORT entry: Orientation = value. */
    private static byte[] exifTiff(int orientation) {
        ByteBuffer b = ByteBuffer.allocate(26).order(ByteOrder.BIG_ENDIAN);
        b.put((byte) 'M').put((byte) 'M').putShort((short) 42).putInt(8); // header, IFD0 at 8
        b.putShort((short) 1); // one entry
        b.putShort((short) 0x0112).putShort((short) 3).putInt(1).putShort((short) orientation).putShort((short) 0);
        b.putInt(0); // no next IFD
        return b.array();
    }

    private static byte[] withExif(byte[] png, int orientation) {
        return withChunk(png, "eXIf", exifTiff(orientation));
    }

    /** {@code png} with a chunk inserted right after IHDR (PNG spec §5.3 layout, CRC over type + data). */
    private static byte[] withChunk(byte[] png, String type, byte[] data) {
        int afterIhdr = 8 + 12 + 13;
        ByteBuffer out = ByteBuffer.allocate(png.length + 12 + data.length);
        out.put(png, 0, afterIhdr);
        putChunk(out, type, data);
        out.put(png, afterIhdr, png.length - afterIhdr);
        return out.array();
    }

    private static void putChunk(ByteBuffer out, String type, byte[] data) {
        byte[] t = type.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        CRC32 crc = new CRC32();
        crc.update(t);
        crc.update(data);
        out.putInt(data.length).put(t).put(data).putInt((int) crc.getValue());
    }

    private static byte[] pngHeaderOnly(int width, int height) {
        ByteBuffer ihdr = ByteBuffer.allocate(13).putInt(width).putInt(height).put((byte) 8).put((byte) 2).put((byte) 0).put((byte) 0).put((byte) 0);
        ByteBuffer out = ByteBuffer.allocate(8 + 25 + 12);
        out.putLong(0x89504E470D0A1A0AL);
        putChunk(out, "IHDR", ihdr.array());
        putChunk(out, "IEND", new byte[0]);
        return out.array();
    }
}
