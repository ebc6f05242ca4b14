package org.visualchat.vision.image;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;

/**
 * Decoded ImageIO pixels → the bytes Pillow's {@code convert("RGB")} gives for the same file. The rules
 * (checked against Pillow 9.4, see formats.md §1.8 and §4):
 * <ul>
 *   <li>samples are read from the raster, never through {@code getRGB()}: the JDK's grey colour space
 *       is linear, and converting it to sRGB moves grey values by up to 73 levels;</li>
 *   <li>colour profiles are ignored, as Pillow ignores them (an ICC-tagged JPEG keeps its stored RGB);</li>
 *   <li>alpha is dropped, not composited: RGBA → RGB keeps the stored colour of transparent pixels;</li>
 *   <li>palette images map through their palette (its alpha ignored); grey is replicated to R = G = B;</li>
 *   <li>16-bit samples keep their high byte (Pillow's "RGB;16B" unpacking), except 16-bit grey under
 *       {@code pillowParity}, which Pillow opens as mode "I" and clips at 255;</li>
 *   <li>other sample widths (1/2/4-bit grey, 5-bit BMP channels) scale by {@code v·255 / (2^bits − 1)}
 *       with truncation, as Pillow's unpackers do;</li>
 *   <li>JPEG is read as raw components and converted as libjpeg does ({@link #fromJpegRaster}); the
 *       ImageIO readers would apply embedded ICC profiles (up to 55 levels off on skimage's rocket.jpg)
 *       and a CMYK profile.</li>
 * </ul>
 */
final class PillowRgb {
    private PillowRgb() {}

    static RgbImage fromImage(BufferedImage image, boolean pillowParity) {
        ColorModel cm = image.getColorModel();
        Raster raster = image.getRaster();
        if (cm instanceof IndexColorModel palette) return fromPalette(raster, palette);
        int type = cm.getColorSpace().getType();
        if (type == ColorSpace.TYPE_RGB || type == ColorSpace.TYPE_GRAY) {
            int[] bits = new int[cm.getNumColorComponents()];
            for (int b = 0; b < bits.length; b++) bits[b] = cm.getComponentSize(b);
            boolean clipGrey16 = pillowParity && bits.length == 1 && bits[0] == 16;
            return fromSamples(raster, bits, clipGrey16);
        }
        return fromArgb(image); // other colour spaces (e.g. TIFF Lab): no Pillow rule to follow, let Java2D convert
    }

    private static RgbImage fromPalette(Raster raster, IndexColorModel palette) {
        int w = raster.getWidth(), h = raster.getHeight(), size = palette.getMapSize();
        byte[] r = new byte[size], g = new byte[size], b = new byte[size];
        palette.getReds(r);
        palette.getGreens(g);
        palette.getBlues(b);
        byte[] out = new byte[w * h * 3];
        int[] row = new int[w];
        for (int y = 0; y < h; y++) {
            raster.getSamples(0, y, w, 1, 0, row);
            for (int x = 0, o = y * w * 3; x < w; x++, o += 3) {
                int i = row[x];
                if (i < size) { out[o] = r[i]; out[o + 1] = g[i]; out[o + 2] = b[i]; } // beyond the palette: black
            }
        }
        return RgbImage.wrap(w, h, out);
    }

    /** RGB(A) or grey(+alpha) samples; alpha, if any, is the band after the colour bands and is ignored. */
    private static RgbImage fromSamples(Raster raster, int[] bits, boolean clipGrey16) {
        int w = raster.getWidth(), h = raster.getHeight();
        byte[] out = new byte[w * h * 3];
        int[] row = new int[w];
        for (int c = 0; c < 3; c++) {
            int band = bits.length == 1 ? 0 : c;
            int depth = bits[band];
            for (int y = 0; y < h; y++) {
                raster.getSamples(0, y, w, 1, band, row);
                for (int x = 0, o = y * w * 3 + c; x < w; x++, o += 3) out[o] = (byte) to8(row[x], depth, clipGrey16);
            }
        }
        return RgbImage.wrap(w, h, out);
    }

    private static int to8(int v, int depth, boolean clip) {
        if (depth == 8) return v;
        if (depth == 16) return clip ? Math.min(v, 255) : v >>> 8;
        return v * 255 / ((1 << depth) - 1);
    }

    private static RgbImage fromArgb(BufferedImage image) {
        int w = image.getWidth(), h = image.getHeight();
        int[] argb = image.getRGB(0, 0, w, h, null, 0, w);
        byte[] out = new byte[w * h * 3];
        for (int i = 0; i < argb.length; i++) {
            out[3 * i] = (byte) (argb[i] >> 16);
            out[3 * i + 1] = (byte) (argb[i] >> 8);
            out[3 * i + 2] = (byte) argb[i];
        }
        return RgbImage.wrap(w, h, out);
    }

    /**
     * A JPEG's raw components (no colour conversion by the reader) → RGB as libjpeg + Pillow produce it:
     * grey replicated; RGB as stored; YCbCr through libjpeg's fixed-point tables ({@link YccToRgb}); CMYK
     * and YCCK as libjpeg outputs them (YCCK: CMY = 255 − YCbCr→RGB, K unchanged), then Pillow's Adobe
     * inversion ("CMYK;I") and {@code cmyk2rgb}: {@code R = K − MULDIV255(ink, K)}, ink = 255 − stored C
     * (CMYK) or the YCC-derived red (YCCK).
     */
    static RgbImage fromJpegRaster(Raster raster, JpegSegments.ColorSpace space) {
        int w = raster.getWidth(), h = raster.getHeight(), bands = raster.getNumBands();
        byte[] out = new byte[w * h * 3];
        int[] px = new int[bands * w];
        int[] rgb = new int[3];
        for (int y = 0; y < h; y++) {
            raster.getPixels(0, y, w, 1, px);
            for (int x = 0, o = y * w * 3; x < w; x++) {
                int p = bands * x;
                switch (space) {
                    case GREY -> { rgb[0] = px[p]; rgb[1] = px[p]; rgb[2] = px[p]; }
                    case RGB -> { rgb[0] = px[p]; rgb[1] = px[p + 1]; rgb[2] = px[p + 2]; }
                    case YCBCR -> YccToRgb.convert(px[p], px[p + 1], px[p + 2], rgb);
                    case CMYK, YCCK -> {
                        int k = px[p + 3];
                        if (space == JpegSegments.ColorSpace.YCCK) YccToRgb.convert(px[p], px[p + 1], px[p + 2], rgb);
                        else for (int c = 0; c < 3; c++) rgb[c] = 255 - px[p + c];
                        for (int c = 0; c < 3; c++) rgb[c] = Math.clamp(k - mulDiv255(rgb[c], k), 0, 255);
                    }
                }
                for (int c = 0; c < 3; c++) out[o++] = (byte) rgb[c];
            }
        }
        return RgbImage.wrap(w, h, out);
    }

    /** Pillow's MULDIV255: a·b/255 rounded, via ((t >> 8) + t) >> 8 with t = a·b + 128. */
    private static int mulDiv255(int a, int b) {
        int t = a * b + 128;
        return ((t >> 8) + t) >> 8;
    }
}
