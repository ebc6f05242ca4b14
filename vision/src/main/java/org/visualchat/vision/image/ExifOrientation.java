package org.visualchat.vision.image;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * The EXIF orientation tag (0x0112, TIFF 6.0 / EXIF 2.3 §4.6.4) of a JPEG (APP1 "Exif"), PNG (eXIf chunk)
 * or WebP (EXIF chunk) file, and the transform that shows the picture upright — the same transforms
 * as Pillow's {@code ImageOps.exif_transpose}. Malformed EXIF counts as "no orientation": the pixels
 * are still a valid picture.
 */
final class ExifOrientation {
    private static final int TAG_ORIENTATION = 0x0112;
    private static final int TYPE_SHORT = 3;

    private ExifOrientation() {}

    /** The orientation value 1..8 stored in the file, 1 when there is none or it is unreadable. */
    static int read(byte[] file) {
        try {
            ByteBuffer tiff = tiffBlock(ByteBuffer.wrap(file));
            int value = tiff == null ? 1 : orientationTag(tiff);
            return value >= 1 && value <= 8 ? value : 1;
        } catch (RuntimeException malformed) { // out-of-range offsets in a damaged EXIF block
            return 1;
        }
    }

    private static ByteBuffer tiffBlock(ByteBuffer f) {
        if (JpegSegments.isJpeg(f.array())) return JpegSegments.scan(f.array()).exif();
        if (f.remaining() >= 8 && f.getLong(0) == 0x89504E470D0A1A0AL) return pngExif(f);
        if (f.remaining() >= 12 && ascii(f, 0, 4).equals("RIFF") && ascii(f, 8, 4).equals("WEBP")) return webpExif(f);
        return null;
    }

    /** PNG chunks (PNG spec §5.3): length, type, data, CRC; EXIF lives in "eXIf" (PNG 1.5 extension). */
    private static ByteBuffer pngExif(ByteBuffer f) {
        int pos = 8;
        while (pos + 8 <= f.limit()) {
            int length = f.getInt(pos);
            String type = ascii(f, pos + 4, 4);
            if (type.equals("eXIf")) return f.slice(pos + 8, length);
            if (type.equals("IDAT") || type.equals("IEND") || length < 0) return null;
            pos += 12 + length;
        }
        return null;
    }

    /** RIFF chunks (little-endian sizes, padded to even); some writers keep JPEG's "Exif\0\0" prefix. */
    private static ByteBuffer webpExif(ByteBuffer f) {
        int pos = 12;
        while (pos + 8 <= f.limit()) {
            String type = ascii(f, pos, 4);
            int size = Integer.reverseBytes(f.getInt(pos + 4));
            if (size < 0) return null;
            if (type.equals("EXIF")) {
                boolean prefixed = size >= 6 && ascii(f, pos + 8, 6).equals("Exif\0\0");
                return prefixed ? f.slice(pos + 14, size - 6) : f.slice(pos + 8, size);
            }
            pos += 8 + size + (size & 1);
        }
        return null;
    }

    /** TIFF header (byte order, 42, IFD0 offset) then IFD0's 12-byte entries (TIFF 6.0 §2). */
    private static int orientationTag(ByteBuffer tiff) {
        String order = ascii(tiff, 0, 2);
        if (order.equals("II")) tiff.order(ByteOrder.LITTLE_ENDIAN);
        else if (order.equals("MM")) tiff.order(ByteOrder.BIG_ENDIAN);
        else return 1;
        int ifd = tiff.getInt(4);
        int entries = tiff.getShort(ifd) & 0xFFFF;
        for (int i = 0; i < entries; i++) {
            int entry = ifd + 2 + 12 * i;
            if ((tiff.getShort(entry) & 0xFFFF) == TAG_ORIENTATION && (tiff.getShort(entry + 2) & 0xFFFF) == TYPE_SHORT) {
                return tiff.getShort(entry + 8) & 0xFFFF;
            }
        }
        return 1;
    }

    private static String ascii(ByteBuffer b, int pos, int n) {
        if (pos < 0 || pos + n > b.limit()) return "";
        byte[] s = new byte[n];
        b.get(pos, s);
        return new String(s, StandardCharsets.ISO_8859_1);
    }

    /**
     * The upright image for orientation 1..8: 2 mirror, 3 rotate 180°, 4 flip vertically, 5 transpose,
     * 6 rotate 90° clockwise, 7 transverse, 8 rotate 90° counter-clockwise (Pillow's exif_transpose table).
     */
    static RgbImage apply(RgbImage in, int orientation) {
        if (orientation == 1) return in;
        int w = in.width(), h = in.height();
        boolean swap = orientation >= 5;
        int ow = swap ? h : w, oh = swap ? w : h;
        byte[] src = in.pixels(), dst = new byte[src.length];
        for (int y = 0; y < oh; y++) {
            for (int x = 0; x < ow; x++) {
                // Source pixel (sx, sy) shown at output (x, y).
                int sx, sy;
                switch (orientation) {
                    case 2 -> { sx = w - 1 - x; sy = y; }
                    case 3 -> { sx = w - 1 - x; sy = h - 1 - y; }
                    case 4 -> { sx = x; sy = h - 1 - y; }
                    case 5 -> { sx = y; sy = x; }
                    case 6 -> { sx = y; sy = h - 1 - x; }
                    case 7 -> { sx = w - 1 - y; sy = h - 1 - x; }
                    case 8 -> { sx = w - 1 - y; sy = x; }
                    default -> throw new IllegalArgumentException("EXIF orientation must be 1..8, got " + orientation);
                }
                System.arraycopy(src, (sy * w + sx) * 3, dst, (y * ow + x) * 3, 3);
            }
        }
        return RgbImage.wrap(ow, oh, dst);
    }
}
