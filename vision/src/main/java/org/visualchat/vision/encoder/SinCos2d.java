package org.visualchat.vision.encoder;

import org.visualchat.tensor.Tensor;

/**
 * The fixed 2-D sine-cosine position table of MAE ({@code get_2d_sincos_pos_embed}), used by QWen-VL's
 * resampler ({@code attn_pool.pos_embed}) and the reference's perceiver projection (reference §1.3.3).
 * For grid cell (row i, column j) the D channels are [sin(j·ω), cos(j·ω), sin(i·ω), cos(i·ω)], each
 * block D/4 wide, with ω_k = 1/10000^(k/(D/4)). The column comes first because MAE builds its grid
 * with {@code np.meshgrid(grid_w, grid_h)}.
 */
public final class SinCos2d {
    private SinCos2d() {}

    /** F32 [grid², dim], rows in row-major grid order; dim must be a multiple of 4. */
    public static Tensor table(int dim, int grid) {
        if (dim % 4 != 0 || dim <= 0) throw new IllegalArgumentException("2-D sin-cos embedding needs a positive dim divisible by 4, got " + dim);
        if (grid <= 0) throw new IllegalArgumentException("grid size must be positive, got " + grid);
        int quarter = dim / 4;
        float[] out = new float[grid * grid * dim];
        for (int i = 0; i < grid; i++) {
            for (int j = 0; j < grid; j++) {
                int row = (i * grid + j) * dim;
                for (int k = 0; k < quarter; k++) {
                    double omega = 1 / Math.pow(10000, (double) k / quarter);
                    out[row + k] = (float) Math.sin(j * omega);
                    out[row + quarter + k] = (float) Math.cos(j * omega);
                    out[row + 2 * quarter + k] = (float) Math.sin(i * omega);
                    out[row + 3 * quarter + k] = (float) Math.cos(i * omega);
                }
            }
        }
        return Tensor.of(out, grid * grid, dim);
    }
}
