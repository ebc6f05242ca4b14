package org.visualchat.vision.image;

import java.util.List;
import org.visualchat.tensor.Tensor;

/**
 * Hugging Face {@code CLIPImageProcessor} as DeepSpeed-VisualChat runs it (transformers
 * {@code image_processing_clip.py} / {@code image_transforms.py}; formats.md §1.8):
 * <ol>
 *   <li>resize so the shorter side is {@code shortestEdge}, the longer {@code int(S·long/short)}
 *       (truncated; untouched when the short side already equals S), with Pillow's antialiased bicubic
 *       ({@link PillowBicubic});</li>
 *   <li>centre crop {@code cropSize²} at {@code top = (H − S)//2, left = (W − S)//2};</li>
 *   <li>rescale {@code float32(float64(v) · (1/255))};</li>
 *   <li>normalise {@code (x − mean) / std} in float32, channels first.</li>
 * </ol>
 * {@link #CLIP_224} is openai/clip-vit-large-patch14's processor; {@link #QWEN_448} is the one DS-VisualChat
 * ships in {@code helper/qwen_clip/preprocessor_config.json} for the QWen-VL ViT (shortest side 448 + centre
 * crop, CLIP mean/std — not QWen-VL's own squash to 448×448).
 *
 * <pre>{@code
 * Tensor one = ClipPreprocessor.CLIP_224.preprocess(ImageDecoder.decode(Path.of("cat.jpg")));  // [3, 224, 224]
 * Tensor batch = ClipPreprocessor.QWEN_448.preprocessBatch(List.of(a, b));                  // [2, 3, 448, 448]
 * }</pre>
 */
public final class ClipPreprocessor {
    /** OpenAI CLIP's per-channel statistics (RGB), as in every CLIP preprocessor_config.json. */
    public static final float[] CLIP_MEAN = {0.48145466f, 0.4578275f, 0.40821073f};
    public static final float[] CLIP_STD = {0.26862954f, 0.26130258f, 0.27577711f};

    /** The CLIP ViT-L/14 processor: shortest side 224, crop 224. */
    public static final ClipPreprocessor CLIP_224 = new ClipPreprocessor(224, 224, CLIP_MEAN, CLIP_STD);

    /** DS-VisualChat's processor for the QWen-VL ViT-bigG: shortest side 448, crop 448. */
    public static final ClipPreprocessor QWEN_448 = new ClipPreprocessor(448, 448, CLIP_MEAN, CLIP_STD);

    /** transformers' {@code rescale_factor}, 1/255 in double; the product is rounded to float32 afterwards. */
    private static final double RESCALE = 1.0 / 255;

    private final int shortestEdge;
    private final int cropSize;
    private final float[] mean;
    private final float[] std;

    /**
     * @param shortestEdge {@code size.shortest_edge} of preprocessor_config.json
     * @param cropSize     {@code crop_size} (square); at most {@code shortestEdge}, so the crop never pads
     * @param mean         {@code image_mean}, 3 values
     * @param std          {@code image_std}, 3 positive values
     */
    public ClipPreprocessor(int shortestEdge, int cropSize, float[] mean, float[] std) {
        if (shortestEdge < 1 || cropSize < 1 || cropSize > shortestEdge) {
            throw new IllegalArgumentException("need 1 <= cropSize <= shortestEdge, got shortestEdge " + shortestEdge + ", cropSize " + cropSize);
        }
        if (mean.length != 3 || std.length != 3) throw new IllegalArgumentException("mean and std need 3 values (R, G, B)");
        for (float s : std) if (!(s > 0)) throw new IllegalArgumentException("std values must be positive, got " + s);
        this.shortestEdge = shortestEdge;
        this.cropSize = cropSize;
        this.mean = mean.clone();
        this.std = std.clone();
    }

    public int shortestEdge() { return shortestEdge; }

    public int cropSize() { return cropSize; }

    /** Steps 1–2: the resized and centre-cropped 8-bit image, {@code cropSize × cropSize}. */
    public RgbImage resizeAndCrop(RgbImage image) {
        int w = image.width(), h = image.height();
        int outW = w, outH = h;
        if (Math.min(w, h) != shortestEdge) {
            // transformers get_resize_output_image_size: int(S * long / short), Python true division.
            int longSide = (int) ((double) shortestEdge * Math.max(w, h) / Math.min(w, h));
            if (w <= h) { outW = shortestEdge; outH = longSide; } else { outW = longSide; outH = shortestEdge; }
        }
        return PillowBicubic.resizeWindow(image, outW, outH, (outW - cropSize) / 2, (outH - cropSize) / 2, cropSize, cropSize);
    }

    /** All four steps: an F32 tensor [3, cropSize, cropSize]. */
    public Tensor preprocess(RgbImage image) {
        float[] chw = new float[3 * cropSize * cropSize];
        normalizeInto(resizeAndCrop(image), chw, 0);
        return Tensor.of(chw, 3, cropSize, cropSize);
    }

    /** Each image preprocessed and stacked: an F32 tensor [N, 3, cropSize, cropSize]. */
    public Tensor preprocessBatch(List<RgbImage> images) {
        if (images.isEmpty()) throw new IllegalArgumentException("empty image batch");
        int plane = 3 * cropSize * cropSize;
        float[] nchw = new float[Math.multiplyExact(images.size(), plane)];
        for (int i = 0; i < images.size(); i++) normalizeInto(resizeAndCrop(images.get(i)), nchw, i * plane);
        return Tensor.of(nchw, images.size(), 3, cropSize, cropSize);
    }

    private void normalizeInto(RgbImage cropped, float[] out, int offset) {
        byte[] px = cropped.pixels();
        int n = cropSize * cropSize;
        for (int c = 0; c < 3; c++) {
            for (int i = 0; i < n; i++) {
                float x = (float) ((px[3 * i + c] & 0xFF) * RESCALE);
                out[offset + c * n + i] = (x - mean[c]) / std[c];
            }
        }
    }
}
