package org.visualchat.vision.encoder;

import org.visualchat.autograd.Arith;
import org.visualchat.autograd.Variable;
import org.visualchat.nn.LayerNorm;
import org.visualchat.tensor.Tensor;
import org.visualchat.tensor.io.TensorSource;
import org.visualchat.vision.image.ClipPreprocessor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

/**
 * QWen-VL's visual tower as DeepSpeed-VisualChat uses it ({@code qwen_clip}, reference §1.2.1): ViT-bigG/14
 * at 448 px without a class token, then the attention-pool resampler and {@code ln_post}, but without
 * QWen-VL's final {@code proj} (the reference strips it): [B, 256, 4096].
 * <pre>
 *   x = conv1(pixels) + bicubic(positional_embedding 16×16 → patch grid)   [B, 1024, 1664]
 *   x = transformer.resblocks(ln_pre(x))                                    48 pre-LN blocks
 *   y = ln_post(attn_pool(x))                                               [B, 256, 4096]
 * </pre>
 * Names are those of the extracted {@code qwen_clip/pytorch_model.bin} ({@code conv1.weight},
 * {@code transformer.resblocks.7.attn.in_proj.weight}, {@code attn_pool.kv_proj.weight}, ...).
 * Square inputs reproduce QWen exactly; non-square patch grids (which QWen rejects) resize the
 * position tables to the actual grid.
 */
public final class QwenVisionEncoder extends ModuleEncoder {
    private final QwenVisionConfig config;
    private final ClipVisionConfig visConfig;
    private final PatchConv conv1;
    private final Variable positionalEmbedding;
    private final LayerNorm lnPre;
    private final LayerStack<QwenResblock> transformer;
    private final Resampler attnPool;
    private final LayerNorm lnPost;

    /** A randomly initialised (seeded), frozen tower; the resampler's sin-cos table is computed. */
    public QwenVisionEncoder(QwenVisionConfig c, long seed) {
        this(c, c.clipConfig(), seed);
    }

    private QwenVisionEncoder(QwenVisionConfig c, ClipVisionConfig visConfig, long seed) {
        super(3, c.patchSize());
        this.config = c;
        this.visConfig = visConfig;
        this.conv1 = child("conv1", new PatchConv(3, c.width(), c.patchSize(), seed));
        this.positionalEmbedding = parameter("positional_embedding",
                Tensor.randn(seed + 1, (float) (1 / Math.sqrt(c.width())), c.positionGrid() * c.positionGrid(), c.width()));
        this.lnPre = child("ln_pre", new LayerNorm(c.width(), QwenVisionConfig.LN_EPS));
        this.transformer = child("transformer", new LayerStack<>("resblocks", c.layers(), i -> new QwenResblock(c, seed + 100L * (i + 1))));
        this.attnPool = child("attn_pool", Resampler.qwen(c, seed + 2));
        this.lnPost = child("ln_post", new LayerNorm(c.outputDim(), QwenVisionConfig.LN_EPS));
        setTrainable(false);
    }

    /**
     * Loads the reference's {@code qwen_clip} directory: the tower's shape from {@code config.json}
     * (the bigG CLIP config the reference ships; bigG's values when absent) and the weights from
     * {@code model.safetensors} / a shard index. Strict: every tensor must match. Frozen.
     */
    public static QwenVisionEncoder load(Path dir) throws IOException {
        WeightFiles.requireDirectory(dir);
        ClipVisionConfig clip = Files.isRegularFile(dir.resolve("config.json")) ? ClipVisionConfig.read(dir) : ClipVisionConfig.vitBigG14();
        try (TensorSource weights = WeightFiles.open(dir)) {
            return load(QwenVisionConfig.fromClip(clip), clip, weights, WeightFiles.describe(dir));
        }
    }

    /** Builds the tower for {@code config} and copies every tensor of {@code weights} into it (strict). */
    public static QwenVisionEncoder load(QwenVisionConfig config, TensorSource weights, Path file) throws IOException {
        return load(config, config.clipConfig(), weights, file);
    }

    private static QwenVisionEncoder load(QwenVisionConfig config, ClipVisionConfig visConfig, TensorSource weights, Path file) throws IOException {
        QwenVisionEncoder encoder = new QwenVisionEncoder(config, visConfig, 0);
        CheckpointWeights.load(encoder, weights, file, "", Set.of());
        return encoder;
    }

    @Override
    Variable forward(Variable pixels, int gh, int gw) {
        int g = config.positionGrid();
        Variable x = Arith.add(conv1.forward(pixels), PositionInterpolation.resize(positionalEmbedding, g, g, gh, gw));
        x = lnPre.forward(x);
        for (QwenResblock block : transformer.blocks()) x = block.forward(x);
        return lnPost.forward(attnPool.forward(x, gh, gw));
    }

    @Override
    boolean alwaysFrozen(String name) {
        return name.equals("attn_pool." + Resampler.POS_EMBED);
    }

    public QwenVisionConfig config() { return config; }

    @Override
    public int tokens() { return config.queries(); }

    @Override
    public int outputDim() { return config.outputDim(); }

    @Override
    public ClipPreprocessor preprocessor() {
        return preprocessorFor(config.imageSize());
    }

    /**
     * The reference's {@code vis_config} after {@code vis_config.hidden_size = 4096}: the CLIP config's
     * heads, MLP size, activation and LayerNorm eps (read from {@code config.json}, or
     * {@link QwenVisionConfig#clipConfig()}) with the output width. Throws {@link IllegalArgumentException}
     * when the trunk's head count does not divide the output width (no CLIP layer has that shape).
     */
    @Override
    public ClipVisionConfig projectionConfig() {
        return visConfig.withHiddenSize(config.outputDim());
    }
}
