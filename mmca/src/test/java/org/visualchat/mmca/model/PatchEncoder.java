package org.visualchat.mmca.model;

import org.visualchat.autograd.NoGrad;
import org.visualchat.autograd.Products;
import org.visualchat.autograd.Variable;
import org.visualchat.nn.Linear;
import org.visualchat.nn.Module;
import org.visualchat.nn.NamePattern;
import org.visualchat.tensor.Tensor;
import org.visualchat.tensor.ops.Conv;
import org.visualchat.vision.encoder.ClipVisionConfig;
import org.visualchat.vision.encoder.VisionEncoder;
import org.visualchat.vision.image.ClipPreprocessor;

/**
 * A test encoder: one linear map of each p×p patch (a ViT's patch embedding alone), so model tests
 * have real, image-dependent features without a full CLIP tower.
 */
final class PatchEncoder implements VisionEncoder {
    static final class Weights extends Module {
        final Linear patch;

        Weights(int in, int out, long seed) {
            patch = child("patch", new Linear(in, out, true, seed));
        }
    }

    private final int patch, imageSize, dim;
    private final Weights weights;
    private boolean trainable;

    PatchEncoder(int imageSize, int patch, int dim, long seed) {
        this.patch = patch;
        this.imageSize = imageSize;
        this.dim = dim;
        this.weights = new Weights(3 * patch * patch, dim, seed);
        setTrainable(false);
    }

    @Override
    public Variable encode(Tensor pixels) {
        Tensor p = Conv.patches(pixels, patch);
        if (trainable) return weights.patch.forward(Variable.of(p));
        try (NoGrad ignored = NoGrad.enter()) {
            return Products.linear(Variable.of(p), weights.patch.weight(), weights.patch.bias());
        }
    }

    @Override
    public int tokens() { return (imageSize / patch) * (imageSize / patch); }

    @Override
    public int outputDim() { return dim; }

    @Override
    public ClipPreprocessor preprocessor() { return ClipPreprocessor.CLIP_224; }

    @Override
    public ClipVisionConfig projectionConfig() {
        return new ClipVisionConfig(dim, 2 * dim, 1, 2, imageSize, patch, 3, org.visualchat.nn.Activation.QUICK_GELU, 1e-5f);
    }

    @Override
    public boolean isTrainable() { return trainable; }

    @Override
    public void setTrainable(boolean on) {
        trainable = on;
        if (on) weights.unfreeze(NamePattern.glob("**"));
        else weights.freeze(NamePattern.glob("**"));
    }

    @Override
    public Module module() { return weights; }
}
