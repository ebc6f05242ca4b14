package org.visualchat.vision.encoder;

import org.visualchat.autograd.Variable;
import org.visualchat.nn.Module;
import org.visualchat.tensor.Tensor;
import org.visualchat.vision.image.ClipPreprocessor;

/**
 * A frozen (by default) image encoder: normalised pixels [B, 3, H, W] → one feature sequence per image
 * [B, tokens, outputDim], what DeepSpeed-VisualChat feeds its projection (reference §1.2): CLIP's
 * {@code last_hidden_state} (CLS + patches, no post-LayerNorm) or QWen-VL's resampled 256×4096 tokens.
 *
 * <pre>{@code
 * VisionEncoder enc = VisionEncoders.load(Path.of("clip-vit-large-patch14"));
 * Tensor pixels = enc.preprocessor().preprocessBatch(images);     // F32 [B, 3, 224, 224]
 * Variable feats = enc.encode(pixels);                              // [B, 257, 1024], a constant
 * }</pre>
 */
public interface VisionEncoder {
    /**
     * Encodes a batch of pixels prepared by {@link #preprocessor()} (F32 [B, 3, H, W]; H and W multiples
     * of the patch size, other resolutions than the native one interpolate the position table).
     * Frozen: runs under {@code NoGrad}, records no graph, returns a constant. Trainable (see
     * {@link #setTrainable}): records the graph so gradients reach the encoder's parameters.
     */
    Variable encode(Tensor pixels);

    /** Tokens per image at the native resolution (CLIP-L/14-224: 257, QWen: 256). */
    int tokens();

    /** Width of each output token (CLIP-L: 1024, QWen: 4096): the projection's input size. */
    int outputDim();

    /** The image preprocessing this encoder expects (resolution, mean/std). */
    ClipPreprocessor preprocessor();

    /**
     * The vision config the reference hands its projections ({@code vis_config}): the CLIP layer
     * shape used by the {@code vit} projection variant, with {@code hiddenSize() == outputDim()}
     * (for QWen the reference overwrites hidden_size with 4096 and keeps bigG's heads/MLP/activation).
     */
    ClipVisionConfig projectionConfig();

    /** Whether parameters require gradients (default false: frozen, as in the reference §1.5). */
    boolean isTrainable();

    /** Freezes or unfreezes every encoder parameter. */
    void setTrainable(boolean trainable);

    /** The module tree holding the parameters, named as in the original checkpoint. */
    Module module();
}
