package org.visualchat.mmca.model;

import org.visualchat.llama.model.LlamaConfig;
import org.visualchat.llama.model.LlamaModel;
import org.visualchat.tensor.DType;
import org.visualchat.tensor.Tensor;

/** Tiny random configurations shared by the model and training tests. */
public final class TinyModels {
    private TinyModels() {}

    public static final int VOCAB = 48, IMAGE = 47, EOS = 2, HIDDEN = 32, IMAGE_SIZE = 8, PATCH = 4, VISION_DIM = 12;

    public static LlamaModel llama(long seed) {
        return LlamaModel.random(LlamaConfig.of(HIDDEN, 64, 2, 4, 2, VOCAB), seed, DType.F32);
    }

    public static VisualChatModel model(VisualChatOptions options, long seed) {
        return new VisualChatModel(new PatchEncoder(IMAGE_SIZE, PATCH, VISION_DIM, seed), llama(seed + 1),
                new BaselineProjection(VISION_DIM, HIDDEN, seed + 2), options.withTokens(IMAGE, EOS, EOS));
    }

    public static Tensor pixels(long seed, int images) {
        return Tensor.randn(seed, 1f, images, 3, IMAGE_SIZE, IMAGE_SIZE);
    }
}
