package org.visualchat.vision.encoder;

import org.visualchat.autograd.Products;
import org.visualchat.autograd.Variable;
import org.visualchat.autograd.Views;
import org.visualchat.tensor.Tensor;

/**
 * Resizes a learned position table laid out on a 2-D grid the way both reference encoders do it:
 * PyTorch {@code F.interpolate(mode="bicubic", align_corners=False)} (HF CLIP's
 * {@code interpolate_pos_encoding}, QWen-VL's {@code get_abs_pos}). That is Keys' cubic convolution with
 * a = −0.75, source coordinate {@code (i + 0.5)·in/out − 0.5}, the 4 taps clamped to the border, and no
 * antialiasing when shrinking (unlike Pillow's resize in {@code ClipPreprocessor}).
 *
 * <p>The resize is separable and linear, so it is two constant matrix products, M_h · T · M_wᵀ, and
 * gradients reach a trainable table through the ordinary matmul rule.
 */
public final class PositionInterpolation {
    private static final double A = -0.75;   // PyTorch's upsample_bicubic2d coefficient

    private PositionInterpolation() {}

    /**
     * table [gh·gw, D] (row-major over the grid) → [nh·nw, D]; returned unchanged when the grid
     * already has the target size.
     */
    public static Variable resize(Variable table, int gh, int gw, int nh, int nw) {
        if (table.rank() != 2 || table.dim(0) != gh * gw) {
            throw new IllegalArgumentException("position table must be [" + gh + "·" + gw + ", D], got " + java.util.Arrays.toString(table.shape()));
        }
        if (gh == nh && gw == nw) return table;
        int d = table.dim(1);
        Variable rows = Products.matmul(Variable.of(weights(gh, nh)), Views.reshape(table, gh, gw * d));   // [nh, gw·D]
        Variable cols = Products.matmul(Variable.of(weights(gw, nw).unsqueeze(0)), Views.reshape(rows, nh, gw, d)); // [nh, nw, D]
        return Views.reshape(cols, nh * nw, d);
    }

    /** The 1-D interpolation matrix M [out, in]: out[i] = Σ_j M[i, j]·in[j]. */
    public static Tensor weights(int in, int out) {
        if (in < 1 || out < 1) throw new IllegalArgumentException("grid sizes must be positive: " + in + " → " + out);
        float[] m = new float[out * in];
        double scale = (double) in / out;
        for (int i = 0; i < out; i++) {
            double src = (i + 0.5) * scale - 0.5;        // not clamped at 0 for cubic (area_pixel_compute_source_index)
            int f = (int) Math.floor(src);
            double t = src - f;
            double[] w = {far(t + 1), near(t), near(1 - t), far(2 - t)};
            for (int k = 0; k < 4; k++) {
                int j = Math.clamp(f - 1 + k, 0, in - 1);
                m[i * in + j] += (float) w[k];
            }
        }
        return Tensor.of(m, out, in);
    }

    /** Cubic convolution kernel for |x| ≤ 1. */
    private static double near(double x) {
        return ((A + 2) * x - (A + 3)) * x * x + 1;
    }

    /** Cubic convolution kernel for 1 < |x| < 2. */
    private static double far(double x) {
        return ((A * x - 5 * A) * x + 8 * A) * x - 4 * A;
    }
}
