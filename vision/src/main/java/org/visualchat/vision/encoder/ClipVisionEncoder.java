package org.visualchat.vision.encoder;

import org.visualchat.autograd.Variable;
import org.visualchat.tensor.io.TensorSource;
import org.visualchat.vision.image.ClipPreprocessor;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Set;

/**
 * Hugging Face {@code CLIPVisionModel} as DeepSpeed-VisualChat uses it (reference §1.2.2): the output is
 * {@code last_hidden_state}, CLS token included, without {@code post_layernorm} — [B, 257, 1024] for
 * {@code openai/clip-vit-large-patch14}. Parameters are named as in the checkpoint
 * ({@code vision_model.encoder.layers.3.self_attn.q_proj.weight}).
 *
 * <p>Other resolutions than {@code image_size} work (multiples of the patch size, non-square too): the
 * position table is resized bicubically as HF's {@code interpolate_pos_encoding} does. (The reference
 * pins transformers 4.33, which has no interpolation and would reject other sizes.)
 */
public final class ClipVisionEncoder extends ModuleEncoder {
    private static final String PREFIX = "vision_model.";
    private final ClipVisionConfig config;
    private final ClipVisionTransformer visionModel;

    /** A randomly initialised (seeded), frozen encoder. */
    public ClipVisionEncoder(ClipVisionConfig config, long seed) {
        super(config.channels(), config.patchSize());
        this.config = config;
        this.visionModel = child("vision_model", new ClipVisionTransformer(config, seed));
        setTrainable(false);
    }

    /**
     * Loads a Hugging Face CLIP (or CLIPVision) model directory: {@code config.json} plus
     * {@code model.safetensors} or a sharded index. Frozen.
     */
    public static ClipVisionEncoder load(Path dir) throws IOException {
        ClipVisionConfig config = ClipVisionConfig.read(WeightFiles.requireDirectory(dir));
        try (TensorSource weights = WeightFiles.open(dir)) {
            return load(config, weights, WeightFiles.describe(dir));
        }
    }

    /**
     * Builds the encoder for {@code config} and copies its {@code vision_model.*} tensors out of
     * {@code weights} (other tensors of a full CLIPModel are ignored); {@code file} names the source in errors.
     */
    public static ClipVisionEncoder load(ClipVisionConfig config, TensorSource weights, Path file) throws IOException {
        ClipVisionEncoder encoder = new ClipVisionEncoder(config, 0);
        CheckpointWeights.load(encoder, weights, file, PREFIX, Set.of(PREFIX + "embeddings.position_ids"));
        return encoder;
    }

    @Override
    Variable forward(Variable pixels, int gh, int gw) {
        return visionModel.forward(pixels, gh, gw);
    }

    /** HF {@code pooler_output} for a result of {@link #encode}: post_layernorm of the CLS token, [B, D]. */
    public Variable pooledOutput(Variable lastHiddenState) {
        return visionModel.pool(lastHiddenState);
    }

    public ClipVisionConfig config() { return config; }

    @Override
    public int tokens() { return config.tokens(); }

    @Override
    public int outputDim() { return config.hiddenSize(); }

    @Override
    public ClipPreprocessor preprocessor() {
        return preprocessorFor(config.imageSize());
    }

    @Override
    public ClipVisionConfig projectionConfig() { return config; }
}
