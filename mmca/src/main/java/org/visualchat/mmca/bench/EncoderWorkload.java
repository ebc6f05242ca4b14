package org.visualchat.mmca.bench;

import org.visualchat.tensor.Tensor;
import org.visualchat.vision.encoder.ClipVisionConfig;
import org.visualchat.vision.encoder.ClipVisionEncoder;
import org.visualchat.vision.encoder.QwenVisionConfig;
import org.visualchat.vision.encoder.QwenVisionEncoder;
import org.visualchat.vision.encoder.VisionEncoder;

/**
 * One frozen vision-encoder forward pass to time (random weights, random pixels, made once), with its
 * floating-point work counted from the shapes (a multiply-add = 2 FLOPs; LayerNorm, softmax and GELU
 * are left out, under 1% of the total) for the measured depth and for the full model, plus the GEMM
 * that dominates it, to time next to it as the attainable rate.
 */
public final class EncoderWorkload implements Runnable {
    public final String name;
    /** FLOPs per image at the measured depth and at the model's full depth. */
    public final double flopsPerImage, fullFlopsPerImage;
    public final int layers, fullLayers, batch;
    /** The encoder's largest GEMM as a {@link GemmWorkload} shape (MxNxKt: tokens × out × in). */
    public final String dominantGemm;
    private final VisionEncoder encoder;
    private final Tensor pixels;

    private EncoderWorkload(String name, VisionEncoder encoder, int batch, int size, int layers, int fullLayers,
                            double fixedFlops, double layerFlops, String dominantGemm) {
        this.name = name;
        this.encoder = encoder;
        this.batch = batch;
        this.layers = layers;
        this.fullLayers = fullLayers;
        this.flopsPerImage = fixedFlops + layers * layerFlops;
        this.fullFlopsPerImage = fixedFlops + fullLayers * layerFlops;
        this.dominantGemm = dominantGemm;
        this.pixels = Tensor.randn(3, 1f, batch, 3, size, size);
    }

    /** openai/clip-vit-large-patch14 at 224 px (257 tokens × 1024), {@code layers} of its 24. */
    public static EncoderWorkload clipL14(int layers, int batch) {
        ClipVisionConfig full = ClipVisionConfig.vitLarge14();
        int s = full.tokens(), d = full.hiddenSize(), p = full.patchSize(), n = s - 1;
        double patch = 2.0 * n * d * 3 * p * p;
        return new EncoderWorkload("clip-vit-l/14-224", new ClipVisionEncoder(full.withLayers(layers), 1), batch, full.imageSize(),
                layers, full.layers(), patch, transformerLayer(s, d, full.intermediateSize()),
                s + "x" + full.intermediateSize() + "x" + d + "t");
    }

    /** The QWen-VL ViT-bigG/14 tower at 448 px (1024 patches × 1664, resampler to 256 × 4096), {@code layers} of its 48. */
    public static EncoderWorkload qwenBigG(int layers, int batch) {
        QwenVisionConfig full = QwenVisionConfig.bigG448();
        int g = full.imageSize() / full.patchSize(), n = g * g, w = full.width(), e = full.outputDim(), q = full.queries(), p = full.patchSize();
        double patch = 2.0 * n * w * 3 * p * p;
        // Resampler: kv_proj, q/k/v in-projections, scores + mix over 1024 keys, out_proj.
        double resampler = 2.0 * n * w * e + 2.0 * q * e * e + 2 * 2.0 * n * e * e + 4.0 * q * n * e + 2.0 * q * e * e;
        return new EncoderWorkload("qwen-vit-bigG/14-448", new QwenVisionEncoder(full.withLayers(layers), 1), batch, full.imageSize(),
                layers, full.layers(), patch + resampler, transformerLayer(n, w, full.mlpSize()),
                n + "x" + full.mlpSize() + "x" + w + "t");
    }

    /** One pre-LN block on s tokens of width d: q, k, v, out projections 8sd², scores + mix 4s²d, MLP 4sdm. */
    static double transformerLayer(int s, int d, int mlp) {
        return 8.0 * s * d * d + 4.0 * s * s * d + 4.0 * s * d * mlp;
    }

    @Override
    public void run() {
        encoder.encode(pixels);
    }
}
