package org.visualchat.autograd;

import org.visualchat.tensor.Tensor;
import org.visualchat.tensor.ops.Conv;
import org.visualchat.tensor.ops.MatMul;
import org.visualchat.tensor.ops.Reduce;

/**
 * Differentiable patch embedding: a conv2d whose stride equals its kernel (ViT's patchify). With
 * P = patches(images) [B, L, C·p·p] the forward is y = P·Wᵀ + b, so dW = dyᵀ·P, db = Σ dy and dP = dy·W;
 * since non-overlapping patches are a pure rearrangement of the pixels, dImages is dP put back in place.
 */
public final class Convolution {
    private Convolution() {}

    /** images [B, C, H, W], weight [O, C, p, p], bias [O] or null → [B, O, H/p, W/p]. */
    public static Variable patchEmbed(Variable images, Variable weight, Variable bias, int patch) {
        Tensor y = Conv.patchEmbed(images.value(), weight.value(), bias == null ? null : bias.value(), patch);
        int b = images.dim(0), c = images.dim(1), h = images.dim(2), w = images.dim(3);
        int o = weight.dim(0), hp = y.dim(2), wp = y.dim(3), cpp = c * patch * patch;
        return Variable.fromOp(y, g -> {
            Tensor gy = g.permute(0, 2, 3, 1).reshape(b * hp * wp, o);   // [B·L, O], rows in patch order
            Tensor w2 = weight.value().reshape(o, cpp);
            Tensor gi = null, gw = null, gb = null;
            if (images.requiresGrad()) {
                // [B·L, C·p·p] → [B, Hp, Wp, C, p, p] → [B, C, Hp, p, Wp, p]: the inverse of the patchify permutation.
                Tensor gp = MatMul.matmul(gy, w2).reshape(b, hp, wp, c, patch, patch).permute(0, 3, 1, 4, 2, 5).reshape(b, c, hp * patch, wp * patch);
                gi = Tensor.zeros(b, c, h, w);   // pixels beyond the last whole patch were never used
                gp.copyTo(gi.narrow(2, 0, hp * patch).narrow(3, 0, wp * patch));
            }
            if (weight.requiresGrad()) {
                Tensor p = Conv.patches(images.value(), patch).reshape(b * hp * wp, cpp);
                gw = MatMul.matmul(gy.transpose(0, 1), p).reshape(weight.shape());
            }
            if (bias != null && bias.requiresGrad()) gb = Reduce.sum(gy, 0, false);
            return new Tensor[] {gi, gw, gb};
        }, images, weight, bias);
    }
}
