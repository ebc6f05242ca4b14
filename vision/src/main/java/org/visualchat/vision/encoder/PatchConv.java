package org.visualchat.vision.encoder;

import org.visualchat.autograd.Convolution;
import org.visualchat.autograd.Variable;
import org.visualchat.autograd.Views;
import org.visualchat.nn.Module;
import org.visualchat.tensor.Tensor;

/**
 * ViT patchify: Conv2d(C → D, kernel = stride = patch, no bias) named {@code weight} [D, C, p, p]
 * (HF CLIP {@code patch_embedding}, QWen-VL {@code conv1}), returning the patches as tokens.
 */
final class PatchConv extends Module {
    private final Variable weight;
    private final int patch;

    PatchConv(int channels, int dim, int patch, long seed) {
        float bound = (float) (1 / Math.sqrt(channels * patch * patch));   // PyTorch's Conv2d default init
        this.weight = parameter("weight", Tensor.uniform(seed, -bound, bound, dim, channels, patch, patch));
        this.patch = patch;
    }

    /** pixels [B, C, H, W] → tokens [B, (H/p)·(W/p), D], row-major over the patch grid. */
    Variable forward(Variable pixels) {
        Variable y = Convolution.patchEmbed(pixels, weight, null, patch);     // [B, D, H/p, W/p]
        int b = y.dim(0), d = y.dim(1);
        return Views.transpose(Views.reshape(y, b, d, y.dim(2) * y.dim(3)), 1, 2);
    }
}
