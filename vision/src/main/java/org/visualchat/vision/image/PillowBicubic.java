package org.visualchat.vision.image;

/**
 * Bicubic resizing of 8-bit RGB images that reproduces Pillow's {@code Image.resize(size, BICUBIC)}
 * bit for bit (Pillow 9.4 {@code libImaging/Resample.c}, {@code ImagingResample} with the default box):
 * <ul>
 *   <li>kernel: Keys' cubic with a = −0.5, support 2;</li>
 *   <li>antialiasing: when shrinking by {@code scale = in/out > 1} the kernel is stretched by
 *       {@code scale} (support 2·scale, argument divided by scale);</li>
 *   <li>taps for output index i: centre {@code c = (i + 0.5)·scale}, sources
 *       {@code [int(c − support + 0.5), int(c + support + 0.5))} clipped to the image, weight
 *       {@code K((j − c + 0.5)/filterscale)}, normalised to sum 1, then fixed point with 22 fraction bits
 *       (rounded half away from zero);</li>
 *   <li>two separable passes, horizontal first, each rounding {@code (acc + 2^21) >> 22} and clamping to
 *       0..255 into an 8-bit image; an axis whose size does not change is not resampled at all.</li>
 * </ul>
 * Each output pixel depends only on its own coordinates, so a window of the resized image (the centre
 * crop) is computed without the rest — identical values, and a 3000×2 strip does not have to become a
 * 336000×224 intermediate.
 */
final class PillowBicubic {
    private static final int PRECISION_BITS = 32 - 8 - 2;
    private static final double SUPPORT = 2.0;

    private PillowBicubic() {}

    /** Keys' cubic convolution kernel with a = −0.5 (Pillow's {@code bicubic_filter}). */
    static double kernel(double x) {
        final double a = -0.5;
        x = Math.abs(x);
        if (x < 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
        if (x < 2.0) return (((x - 5) * x + 8) * x - 4) * a;
        return 0.0;
    }

    /** Fixed-point taps for output indices {@code [start, start + count)} of an {@code inSize → outSize} axis. */
    record Taps(int[] first, int[] length, int[] weights, int stride) {
        static Taps of(int inSize, int outSize, int start, int count) {
            double scale = (double) inSize / outSize;
            double filterScale = Math.max(scale, 1.0);
            double support = SUPPORT * filterScale;
            int stride = (int) Math.ceil(support) * 2 + 1;
            int[] first = new int[count], length = new int[count], weights = new int[count * stride];
            double[] k = new double[stride];
            double inverseScale = 1.0 / filterScale; // multiplied, not divided: Pillow's rounding
            for (int i = 0; i < count; i++) {
                double center = (start + i + 0.5) * scale;
                int xmin = Math.max((int) (center - support + 0.5), 0);
                int xmax = Math.min((int) (center + support + 0.5), inSize) - xmin;
                double sum = 0;
                for (int j = 0; j < xmax; j++) {
                    k[j] = kernel((j + xmin - center + 0.5) * inverseScale);
                    sum += k[j];
                }
                for (int j = 0; j < xmax; j++) {
                    double w = sum != 0.0 ? k[j] / sum : k[j];
                    weights[i * stride + j] = (int) (w < 0 ? -0.5 + w * (1 << PRECISION_BITS) : 0.5 + w * (1 << PRECISION_BITS));
                }
                first[i] = xmin;
                length[i] = xmax;
            }
            return new Taps(first, length, weights, stride);
        }

        /** Source rows/columns touched by these taps: [lo, hi). */
        int lo() { return first[0]; }

        int hi() { return first[first.length - 1] + length[length.length - 1]; }
    }

    /**
     * The window {@code [x0, x0 + w) × [y0, y0 + h)} of {@code in} resized to {@code outWidth × outHeight}.
     */
    static RgbImage resizeWindow(RgbImage in, int outWidth, int outHeight, int x0, int y0, int w, int h) {
        if (outWidth < 1 || outHeight < 1) throw new IllegalArgumentException("resize target must be positive, got " + outWidth + "x" + outHeight);
        if (x0 < 0 || y0 < 0 || w < 1 || h < 1 || x0 + w > outWidth || y0 + h > outHeight) {
            throw new IllegalArgumentException("window " + w + "x" + h + "+" + x0 + "+" + y0 + " outside " + outWidth + "x" + outHeight);
        }
        boolean horizontal = outWidth != in.width(), vertical = outHeight != in.height();
        // Rows of the source the vertical pass reads; the horizontal pass produces exactly those.
        Taps rows = vertical ? Taps.of(in.height(), outHeight, y0, h) : null;
        int rowLo = vertical ? rows.lo() : y0, rowHi = vertical ? rows.hi() : y0 + h;
        byte[] mid;
        int midWidth;
        if (horizontal) {
            mid = horizontalPass(in.pixels(), in.width(), rowLo, rowHi, Taps.of(in.width(), outWidth, x0, w));
            midWidth = w;
        } else {
            mid = in.pixels();
            midWidth = in.width();
        }
        int midX0 = horizontal ? 0 : x0, midY0 = horizontal ? rowLo : 0; // where the window starts in mid
        byte[] out = new byte[w * h * 3];
        if (vertical) {
            verticalPass(mid, midWidth, midX0, midY0, rows, w, out);
        } else {
            for (int y = 0; y < h; y++) {
                System.arraycopy(mid, ((y0 + y - midY0) * midWidth + midX0) * 3, out, y * w * 3, w * 3);
            }
        }
        return RgbImage.wrap(w, h, out);
    }

    /** Rows [rowLo, rowHi) of the source, each resampled to {@code cols.length} columns. */
    private static byte[] horizontalPass(byte[] src, int srcWidth, int rowLo, int rowHi, Taps cols) {
        int w = cols.first.length;
        byte[] out = new byte[(rowHi - rowLo) * w * 3];
        for (int y = rowLo; y < rowHi; y++) {
            int rowBase = y * srcWidth * 3, o = (y - rowLo) * w * 3;
            for (int x = 0; x < w; x++, o += 3) {
                convolve(src, rowBase + cols.first[x] * 3, 3, cols.weights, x * cols.stride, cols.length[x], out, o);
            }
        }
        return out;
    }

    /**
     * Columns [x0, x0 + w) of {@code src} (width {@code srcWidth}) resampled vertically; tap row t lives at
     * row {@code t − rowShift} of {@code src}.
     */
    private static void verticalPass(byte[] src, int srcWidth, int x0, int rowShift, Taps rows, int w, byte[] out) {
        int h = rows.first.length, stride = srcWidth * 3;
        for (int y = 0; y < h; y++) {
            int base = (rows.first[y] - rowShift) * stride, k = y * rows.stride, n = rows.length[y];
            for (int x = 0, o = y * w * 3; x < w; x++, o += 3) {
                convolve(src, base + (x0 + x) * 3, stride, rows.weights, k, n, out, o);
            }
        }
    }

    /**
     * One output pixel: {@code n} taps of {@code src} starting at byte {@code p}, {@code step} bytes apart,
     * weighted by {@code weights[k..k+n)}; accumulators start at ½ so the final shift rounds.
     */
    private static void convolve(byte[] src, int p, int step, int[] weights, int k, int n, byte[] out, int o) {
        int r = 1 << (PRECISION_BITS - 1), g = r, b = r;
        for (int j = 0; j < n; j++, p += step) {
            int wt = weights[k + j];
            r += (src[p] & 0xFF) * wt;
            g += (src[p + 1] & 0xFF) * wt;
            b += (src[p + 2] & 0xFF) * wt;
        }
        out[o] = clip8(r);
        out[o + 1] = clip8(g);
        out[o + 2] = clip8(b);
    }

    /** Pillow's clip8: the accumulator's integer part clamped to 0..255. */
    private static byte clip8(int acc) {
        if (acc >= (1 << PRECISION_BITS << 8)) return (byte) 255;
        if (acc <= 0) return 0;
        return (byte) (acc >> PRECISION_BITS);
    }
}
