package org.visualchat.vision.image;

/**
 * JPEG YCbCr → RGB exactly as libjpeg (and libjpeg-turbo, which Pillow uses) computes it: jdcolor.c
 * {@code build_ycc_rgb_table}, 16-bit fixed point, {@code R = Y + round(1.402·(Cr−128))},
 * {@code G = Y + ((−0.34414·(Cb−128) − 0.71414·(Cr−128) + ½) >> 16)}, {@code B = Y + round(1.772·(Cb−128))},
 * each clamped to 0..255.
 */
final class YccToRgb {
    private static final int SCALE_BITS = 16;
    private static final int ONE_HALF = 1 << (SCALE_BITS - 1);
    private static final int[] CR_R = new int[256], CB_B = new int[256], CR_G = new int[256], CB_G = new int[256];

    static {
        for (int i = 0; i < 256; i++) {
            int x = i - 128;
            CR_R[i] = (fix(1.40200) * x + ONE_HALF) >> SCALE_BITS;
            CB_B[i] = (fix(1.77200) * x + ONE_HALF) >> SCALE_BITS;
            CR_G[i] = -fix(0.71414) * x;
            CB_G[i] = -fix(0.34414) * x + ONE_HALF;
        }
    }

    private YccToRgb() {}

    /** libjpeg's FIX(x): x in 16-bit fixed point, rounded. */
    private static int fix(double x) {
        return (int) (x * (1 << SCALE_BITS) + 0.5);
    }

    static void convert(int y, int cb, int cr, int[] rgb) {
        rgb[0] = Math.clamp(y + CR_R[cr], 0, 255);
        rgb[1] = Math.clamp(y + ((CB_G[cb] + CR_G[cr]) >> SCALE_BITS), 0, 255);
        rgb[2] = Math.clamp(y + CB_B[cb], 0, 255);
    }
}
