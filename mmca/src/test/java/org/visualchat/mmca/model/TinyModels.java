package org.visualchat.mmca.model;

import org.visualchat.llama.model.LlamaConfig;
import org.visualchat.nn.Activation;
import org.visualchat.vision.encoder.ClipVisionConfig;
import org.visualchat.vision.encoder.ClipVisionEncoder;
import org.visualchat.llama.model.LlamaModel;
import org.visualchat.llama.model.RandomWeights;
import org.visualchat.llama.model.Weights;
import org.visualchat.tensor.ops.Elementwise;
import org.visualchat.tensor.ops.Rope;
import org.visualchat.tensor.DType;
import org.visualchat.tensor.Tensor;

/** Tiny random configurations shared by the model and training tests: a 2-layer CLIP ViT and a 2-layer LLaMA. */
public final class TinyModels {
    private TinyModels() {}

    public static final int VOCAB = 48, IMAGE = 47, EOS = 2, HIDDEN = 32, IMAGE_SIZE = 8, PATCH = 4, VISION_DIM = 12;

    /**
     * A 2-layer LLaMA with grouped KV heads. Its LM head is scaled up ×8 from the U(±1/√H) default:
     * with a frozen head that small, logits stay within about ±3 whatever the trainable embeddings
     * do, and no frozen-decoder model could fit its data (the overfitting test would be meaningless).
     */
    public static LlamaModel llama(long seed) {
        return llama(seed, true);
    }

    /** As {@link #llama(long)}, or with the default-sized LM head ({@code scaledHead} false: small logits and gradients). */
    public static LlamaModel llama(long seed, boolean scaledHead) {
        RandomWeights random = new RandomWeights(seed, DType.F32);
        Weights weights = (name, shape) -> scaledHead && name.equals("lm_head.weight")
                ? Elementwise.mul(random.tensor(name, shape), 8f) : random.tensor(name, shape);
        return new LlamaModel(LlamaConfig.of(HIDDEN, 64, 2, 4, 2, VOCAB), Rope.Layout.HALF, weights);
    }

    public static VisualChatModel model(VisualChatOptions options, long seed) {
        return model(options, seed, true);
    }

    public static VisualChatModel model(VisualChatOptions options, long seed, boolean scaledHead) {
        return new VisualChatModel(new ClipVisionEncoder(new ClipVisionConfig(VISION_DIM, 2 * VISION_DIM, 2, 2, IMAGE_SIZE, PATCH, 3, Activation.QUICK_GELU, 1e-5f), seed), llama(seed + 1, scaledHead),
                new BaselineProjection(VISION_DIM, HIDDEN, seed + 2), options.withTokens(IMAGE, EOS, EOS));
    }

    public static Tensor pixels(long seed, int images) {
        return Tensor.randn(seed, 1f, images, 3, IMAGE_SIZE, IMAGE_SIZE);
    }
}
