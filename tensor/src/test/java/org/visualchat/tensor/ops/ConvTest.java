package org.visualchat.tensor.ops;

import org.junit.jupiter.api.Test;
import org.visualchat.tensor.DType;
import org.visualchat.tensor.Tensor;

import static org.junit.jupiter.api.Assertions.*;
import static org.visualchat.tensor.ops.OpsTesting.*;

class ConvTest {
    /** conv2d with stride = kernel, no padding, as the six nested loops of its definition. */
    private static double[] directConv(Tensor img, Tensor w, Tensor bias, int p) {
        int b = img.dim(0), c = img.dim(1), hp = img.dim(2) / p, wp = img.dim(3) / p, o = w.dim(0);
        double[] out = new double[b * o * hp * wp];
        for (int n = 0; n < b; n++) for (int oc = 0; oc < o; oc++) for (int y = 0; y < hp; y++) for (int x = 0; x < wp; x++) {
            double s = bias == null ? 0 : bias.get(oc);
            for (int ic = 0; ic < c; ic++) for (int ky = 0; ky < p; ky++) for (int kx = 0; kx < p; kx++)
                s += (double) img.get(n, ic, y * p + ky, x * p + kx) * w.get(oc, ic, ky, kx);
            out[((n * o + oc) * hp + y) * wp + x] = s;
        }
        return out;
    }

    @Test
    void patchEmbedMatchesTheDirectConvolution() {
        int p = 4;
        Tensor img = randn(1, 2, 3, 17, 14);                      // 17 and 14 leave a remainder, dropped as conv2d does
        Tensor w = randn(2, 5, 3, p, p), bias = randn(3, 5);
        int[] shape = {2, 5, 4, 3};
        assertClose(directConv(img, w, bias, p), shape, Conv.patchEmbed(img, w, bias, p), 1e-5, 1e-5, "patchEmbed");
        assertClose(directConv(img, w, null, p), shape, Conv.patchEmbed(img, w, null, p), 1e-5, 1e-5, "patchEmbed no bias");
        Tensor nhwc = randn(4, 2, 17, 14, 3).permute(0, 3, 1, 2);  // channels-last storage viewed as [B, C, H, W]
        assertClose(directConv(nhwc, w, bias, p), shape, Conv.patchEmbed(nhwc, w, bias, p), 1e-5, 1e-5, "patchEmbed strided");
        Tensor wb = w.to(DType.BF16);
        assertClose(directConv(img, wb, bias, p), shape, Conv.patchEmbed(img, wb, bias, p), 1e-5, 1e-5, "patchEmbed bf16 weight");
    }

    @Test
    void patchesAreRowMajorWithChannelKyKxInside() {
        Tensor img = randn(5, 1, 2, 4, 6);
        Tensor cols = Conv.patches(img, 2);                      // [1, 2·3, 2·2·2]
        assertArrayEquals(new int[] {1, 6, 8}, cols.shape());
        for (int py = 0; py < 2; py++) for (int px = 0; px < 3; px++) for (int c = 0; c < 2; c++) for (int ky = 0; ky < 2; ky++) for (int kx = 0; kx < 2; kx++)
            assertEquals(img.get(0, c, py * 2 + ky, px * 2 + kx), cols.get(0, py * 3 + px, (c * 2 + ky) * 2 + kx));
        assertThrows(IllegalArgumentException.class, () -> Conv.patchEmbed(img, Tensor.zeros(3, 2, 3, 3), null, 2));
    }
}
