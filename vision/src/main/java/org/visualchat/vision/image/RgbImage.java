package org.visualchat.vision.image;

import java.util.Arrays;

/**
 * An immutable 8-bit RGB image: {@code width × height} pixels stored row-major, three interleaved bytes
 * (R, G, B) per pixel — the layout of Pillow's {@code Image.convert("RGB")} and of a NumPy
 * {@code uint8[H, W, 3]} array. This is what {@link ImageDecoder} produces and what
 * {@link ClipPreprocessor} consumes.
 */
public final class RgbImage {
    private final int width;
    private final int height;
    private final byte[] rgb;

    private RgbImage(int width, int height, byte[] rgb) {
        this.width = width;
        this.height = height;
        this.rgb = rgb;
    }

    /** An image holding a copy of {@code rgb} (row-major, R G B bytes per pixel). */
    public static RgbImage of(int width, int height, byte[] rgb) {
        return new RgbImage(width, height, checked(width, height, rgb).clone());
    }

    /** Takes ownership of {@code rgb} without copying; for code in this package that just built the array. */
    static RgbImage wrap(int width, int height, byte[] rgb) {
        return new RgbImage(width, height, checked(width, height, rgb));
    }

    private static byte[] checked(int width, int height, byte[] rgb) {
        if (width < 1 || height < 1) throw new IllegalArgumentException("image size must be positive, got " + width + "x" + height);
        if ((long) width * height * 3 != rgb.length) {
            throw new IllegalArgumentException(rgb.length + " bytes do not hold a " + width + "x" + height + " RGB image");
        }
        return rgb;
    }

    public int width() { return width; }

    public int height() { return height; }

    /** Channel {@code c} (0 = R, 1 = G, 2 = B) of pixel (x, y), 0..255. */
    public int sample(int x, int y, int c) {
        if (x < 0 || x >= width || y < 0 || y >= height || c < 0 || c > 2) {
            throw new IndexOutOfBoundsException("(" + x + ", " + y + ", " + c + ") outside " + width + "x" + height + "x3");
        }
        return rgb[(y * width + x) * 3 + c] & 0xFF;
    }

    /** A copy of the pixels, row-major, R G B bytes per pixel. */
    public byte[] toByteArray() { return rgb.clone(); }

    /** The backing array, not copied; callers in this package must not modify it. */
    byte[] pixels() { return rgb; }

    @Override
    public boolean equals(Object o) {
        return o instanceof RgbImage other && width == other.width && height == other.height && Arrays.equals(rgb, other.rgb);
    }

    @Override
    public int hashCode() { return 31 * (31 * width + height) + Arrays.hashCode(rgb); }

    @Override
    public String toString() { return "RgbImage[" + width + "x" + height + "]"; }
}
