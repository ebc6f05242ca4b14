package org.visualchat.tensor.ops;

import org.visualchat.tensor.Shapes;
import org.visualchat.tensor.Tensor;

/**
 * The ViT patch embedding: a 2-D convolution whose stride equals its kernel (no padding), computed as
 * im2col ({@link #patches}) followed by one matrix product through {@link MatMul}.
 */
public final class Conv {
    private Conv() {}

    /**
     * im2col for stride = kernel: images [B, C, H, W] → F32 [B, (H/p)·(W/p), C·p·p], patches in
     * row-major patch order, each flattened in (c, ky, kx) order (the order of a conv weight
     * [O, C, p, p]). Like a convolution, trailing rows/columns that do not fill a patch are dropped.
     */
    public static Tensor patches(Tensor images, int patch) {
        if (images.rank() != 4) throw new IllegalArgumentException("patches expects images [B, C, H, W], got " + Shapes.toString(images.shape()));
        if (patch < 1) throw new IllegalArgumentException("patch size must be >= 1, got " + patch);
        if (images.dtype().isQuantized()) throw new IllegalArgumentException("patches needs float images, got " + images.dtype());
        int b = images.dim(0), c = images.dim(1), hp = images.dim(2) / patch, wp = images.dim(3) / patch;
        // The 6-d strided view [B, C, Hp, p, Wp, p] over the same storage, then (B, Hp, Wp, C, p, p) order.
        int[] st = images.strides();
        Tensor blocks = new Tensor(images.storage(), images.dtype(),
                new int[] {b, c, hp, patch, wp, patch},
                new int[] {st[0], st[1], st[2] * patch, st[2], st[3] * patch, st[3]}, images.offset());
        Tensor ordered = blocks.permute(0, 2, 4, 1, 3, 5);
        Tensor out = Tensor.zeros(ordered.shape());
        ordered.copyTo(out);
        return out.reshape(b, hp * wp, c * patch * patch);
    }

    /**
     * conv2d with stride = kernel = {@code patch}: images [B, C, H, W], weight [O, C, p, p] (any weight
     * dtype {@link MatMul#linear} takes), bias [O] or null → F32 [B, O, H/p, W/p].
     */
    public static Tensor patchEmbed(Tensor images, Tensor weight, Tensor bias, int patch) {
        if (weight.rank() != 4 || weight.dim(1) != images.dim(1) || weight.dim(2) != patch || weight.dim(3) != patch) {
            throw new IllegalArgumentException("patchEmbed weight must be [O, " + images.dim(1) + ", " + patch + ", " + patch + "], got " + Shapes.toString(weight.shape()));
        }
        int o = weight.dim(0);
        if (bias != null && (bias.rank() != 1 || bias.dim(0) != o)) {
            throw new IllegalArgumentException("patchEmbed bias must be [" + o + "], got " + Shapes.toString(bias.shape()));
        }
        Tensor cols = patches(images, patch);                               // [B, N, C·p·p]
        Tensor y = MatMul.linear(cols, weight.reshape(o, -1));              // [B, N, O]
        if (bias != null) y = Elementwise.add(y, bias);
        int b = images.dim(0), hp = images.dim(2) / patch, wp = images.dim(3) / patch;
        return y.reshape(b, hp, wp, o).permute(0, 3, 1, 2).contiguous();
    }
}
