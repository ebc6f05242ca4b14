package org.visualchat.vision.encoder;

import org.visualchat.nn.Activation;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * The vision part of a Hugging Face CLIP {@code config.json} ({@code CLIPVisionConfig}): a
 * {@code vision_config} object inside a CLIPModel config, or the top level of a CLIPVisionModel one.
 * Absent fields take CLIPVisionConfig's defaults (transformers 4.33).
 */
public record ClipVisionConfig(int hiddenSize, int intermediateSize, int layers, int heads, int imageSize,
                               int patchSize, int channels, Activation hiddenAct, float layerNormEps) {
    public ClipVisionConfig {
        if (hiddenSize <= 0 || intermediateSize <= 0 || layers < 0 || heads <= 0 || imageSize <= 0 || patchSize <= 0 || channels <= 0) {
            throw new IllegalArgumentException("CLIP vision config sizes must be positive: " + this);
        }
        if (hiddenSize % heads != 0) throw new IllegalArgumentException("hidden_size " + hiddenSize + " is not a multiple of num_attention_heads " + heads);
        if (imageSize % patchSize != 0) throw new IllegalArgumentException("image_size " + imageSize + " is not a multiple of patch_size " + patchSize);
    }

    /** openai/clip-vit-large-patch14 (the reference's default CLIP encoder). */
    public static ClipVisionConfig vitLarge14() {
        return new ClipVisionConfig(1024, 4096, 24, 16, 224, 14, 3, Activation.QUICK_GELU, 1e-5f);
    }

    /** laion/CLIP-ViT-bigG-14-laion2B-39B-b160k's vision part (the QWen tower's trunk shape, at 224). */
    public static ClipVisionConfig vitBigG14() {
        return new ClipVisionConfig(1664, 8192, 48, 16, 224, 14, 3, Activation.GELU, 1e-5f);
    }

    /** Patches per side at the native resolution. */
    public int gridSize() { return imageSize / patchSize; }

    /** Native token count: CLS + grid². */
    public int tokens() { return 1 + gridSize() * gridSize(); }

    /** The same shape with another hidden size (the reference's {@code vis_config.hidden_size = 4096} for QWen). */
    public ClipVisionConfig withHiddenSize(int hidden) {
        return new ClipVisionConfig(hidden, intermediateSize, layers, heads, imageSize, patchSize, channels, hiddenAct, layerNormEps);
    }

    public ClipVisionConfig withLayers(int n) {
        return new ClipVisionConfig(hiddenSize, intermediateSize, n, heads, imageSize, patchSize, channels, hiddenAct, layerNormEps);
    }

    /** Reads {@code config.json} (file or model directory). Errors name the file and the field. */
    public static ClipVisionConfig read(Path configOrDir) throws IOException {
        return ConfigJson.clipVision(configOrDir);
    }

    /** Builds from a parsed JSON object; {@code where} names it in errors. */
    public static ClipVisionConfig fromJson(Map<?, ?> json, String where) {
        return ConfigJson.clipVision(json, where);
    }
}
