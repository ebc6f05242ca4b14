package org.visualchat.vision.encoder;

import org.visualchat.autograd.NoGrad;
import org.visualchat.autograd.Variable;
import org.visualchat.nn.Module;
import org.visualchat.tensor.DType;
import org.visualchat.tensor.Tensor;
import org.visualchat.vision.image.ClipPreprocessor;

import java.util.Arrays;
import java.util.Map;

/**
 * What both encoders share: pixel validation, the frozen-by-default rule and the reference's choice of
 * running the encoder under no-grad unless one of its parameters requires a gradient (§1.1 step 3).
 */
abstract class ModuleEncoder extends Module implements VisionEncoder {
    private final int channels;
    private final int patch;

    ModuleEncoder(int channels, int patch) {
        this.channels = channels;
        this.patch = patch;
    }

    /** pixels as a variable [B, C, gh·p, gw·p] → [B, tokens, outputDim]. */
    abstract Variable forward(Variable pixels, int gh, int gw);

    /** Parameters that stay fixed even when the encoder is trainable (buffers stored as parameters). */
    boolean alwaysFrozen(String name) {
        return false;
    }

    @Override
    public final Variable encode(Tensor pixels) {
        int[] s = pixels.shape();
        if (s.length != 4 || s[0] < 1 || s[1] != channels) {
            throw new IllegalArgumentException("pixels must be [B, " + channels + ", H, W], got " + Arrays.toString(s));
        }
        if (s[2] < patch || s[3] < patch || s[2] % patch != 0 || s[3] % patch != 0) {
            throw new IllegalArgumentException("pixel height and width must be positive multiples of the patch size " + patch + ", got " + s[2] + "×" + s[3]);
        }
        if (pixels.dtype() != DType.F32 && pixels.dtype() != DType.BF16 && pixels.dtype() != DType.F16) {
            throw new IllegalArgumentException("pixels must be floating point, got " + pixels.dtype());
        }
        Variable x = Variable.of(pixels.dtype() == DType.F32 ? pixels : pixels.to(DType.F32));
        if (isTrainable()) return forward(x, s[2] / patch, s[3] / patch);
        try (NoGrad ignored = NoGrad.enter()) {
            return forward(x, s[2] / patch, s[3] / patch);
        }
    }

    @Override
    public final boolean isTrainable() {
        for (Variable p : namedParameters().values()) if (p.requiresGrad()) return true;
        return false;
    }

    @Override
    public final void setTrainable(boolean trainable) {
        for (Map.Entry<String, Variable> e : namedParameters().entrySet()) {
            e.getValue().setRequiresGrad(trainable && !alwaysFrozen(e.getKey()));
        }
    }

    @Override
    public final Module module() {
        return this;
    }

    /** CLIP-normalised shortest-side resize + centre crop to {@code size} (the shared instances at 224 and 448). */
    static ClipPreprocessor preprocessorFor(int size) {
        return switch (size) {
            case 224 -> ClipPreprocessor.CLIP_224;
            case 448 -> ClipPreprocessor.QWEN_448;
            default -> new ClipPreprocessor(size, size, ClipPreprocessor.CLIP_MEAN, ClipPreprocessor.CLIP_STD);
        };
    }
}
