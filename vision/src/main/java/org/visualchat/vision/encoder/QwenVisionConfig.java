package org.visualchat.vision.encoder;

import org.visualchat.nn.Activation;

/**
 * Shape of the QWen-VL visual tower (reference §1.2.1). DeepSpeed-VisualChat takes patch, width, layers,
 * heads and MLP size from the bigG CLIP config and hard-codes the rest: 448 px, output 4096,
 * 256 queries (16×16), resampler heads = output/128, and QWen-VL's learned position table of
 * 256 rows (16×16) interpolated to the patch grid.
 *
 * @param positionGrid side of the learned {@code positional_embedding} grid (16)
 * @param queryGrid    side of the resampler's query grid: {@code queryGrid²} output tokens (16 → 256)
 * @param poolHeads    heads of the resampler's attention (4096/128 = 32)
 */
public record QwenVisionConfig(int imageSize, int patchSize, int width, int layers, int heads, int mlpSize,
                               int outputDim, int queryGrid, int poolHeads, int positionGrid) {
    /** LayerNorm epsilon everywhere in the tower ({@code partial(nn.LayerNorm, eps=1e-6)}). */
    public static final float LN_EPS = 1e-6f;

    public QwenVisionConfig {
        if (imageSize <= 0 || patchSize <= 0 || width <= 0 || layers < 0 || heads <= 0 || mlpSize <= 0
                || outputDim <= 0 || queryGrid <= 0 || poolHeads <= 0 || positionGrid <= 0) {
            throw new IllegalArgumentException("QWen vision config sizes must be positive: " + this);
        }
        if (width % heads != 0) throw new IllegalArgumentException("width " + width + " is not a multiple of heads " + heads);
        if (outputDim % poolHeads != 0) throw new IllegalArgumentException("output dim " + outputDim + " is not a multiple of pool heads " + poolHeads);
        if (outputDim % 4 != 0) throw new IllegalArgumentException("output dim " + outputDim + " must be a multiple of 4 (2-D sin-cos table)");
        if (imageSize % patchSize != 0) throw new IllegalArgumentException("image size " + imageSize + " is not a multiple of patch " + patchSize);
    }

    /** The tower DS-VisualChat builds: ViT-bigG/14 trunk at 448 px, 256×4096 output. */
    public static QwenVisionConfig bigG448() {
        return fromClip(ClipVisionConfig.vitBigG14());
    }

    /** The reference's construction from a CLIP vision config ({@code helper/qwen_clip/config.json}). */
    public static QwenVisionConfig fromClip(ClipVisionConfig c) {
        return new QwenVisionConfig(448, c.patchSize(), c.hiddenSize(), c.layers(), c.heads(), c.intermediateSize(), 4096, 16, 4096 / 128, 16);
    }

    public QwenVisionConfig withLayers(int n) {
        return new QwenVisionConfig(imageSize, patchSize, width, n, heads, mlpSize, outputDim, queryGrid, poolHeads, positionGrid);
    }

    /**
     * The CLIP vision config this shape comes from (bigG's activation "gelu" and eps 1e-5; image size is
     * the tower's): what the reference keeps as {@code vis_config} for its projections.
     */
    public ClipVisionConfig clipConfig() {
        return new ClipVisionConfig(width, mlpSize, layers, heads, imageSize, patchSize, 3, Activation.GELU, 1e-5f);
    }

    /** Output tokens per image (256), independent of the resolution. */
    public int queries() { return queryGrid * queryGrid; }
}
