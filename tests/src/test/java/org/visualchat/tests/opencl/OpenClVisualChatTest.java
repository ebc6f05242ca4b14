package org.visualchat.tests.opencl;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.visualchat.llama.model.LlamaConfig;
import org.visualchat.llama.model.LlamaModel;
import org.visualchat.llama.model.RandomWeights;
import org.visualchat.llama.model.Weights;
import org.visualchat.mmca.attention.MmcaMode;
import org.visualchat.mmca.model.BaselineProjection;
import org.visualchat.mmca.model.VisualChatModel;
import org.visualchat.mmca.model.VisualChatOptions;
import org.visualchat.nn.Activation;
import org.visualchat.opencl.models.OpenClClipVision;
import org.visualchat.opencl.models.OpenClLlama;
import org.visualchat.tensor.DType;
import org.visualchat.tensor.Tensor;
import org.visualchat.tensor.ops.Elementwise;
import org.visualchat.tensor.ops.Rope;
import org.visualchat.vision.encoder.ClipVisionConfig;
import org.visualchat.vision.encoder.ClipVisionEncoder;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * VisualChat generation (CLIP encoder → projection → image splicing → LLaMA with MMCA over a KV cache)
 * with the CLIP encoder and the language model on OpenCL (PoCL here; two images in device batches of
 * one) gives the CPU model's greedy tokens, in all three MMCA
 * modes (strict, reference with its uniform fallback, causal), on a prompt with text before, between
 * and after two images. Tagged {@code opencl}: runs in this module's "opencl" surefire execution (G1, PoCL;
 * tests/pom.xml).
 */
@Tag("opencl")
class OpenClVisualChatTest {
    static final int VOCAB = 48, IMAGE = 47, EOS = 2, HIDDEN = 32;

    private static VisualChatModel model(VisualChatOptions options) {
        RandomWeights random = new RandomWeights(4, DType.F32);
        // A larger LM head spreads the logits so greedy choices are not decided by rounding.
        Weights weights = (name, shape) -> name.equals("lm_head.weight") ? Elementwise.mul(random.tensor(name, shape), 8f) : random.tensor(name, shape);
        LlamaModel llama = new LlamaModel(LlamaConfig.of(HIDDEN, 64, 2, 4, 2, VOCAB), Rope.Layout.HALF, weights);
        ClipVisionEncoder vision = new ClipVisionEncoder(new ClipVisionConfig(12, 24, 2, 2, 8, 4, 3, Activation.QUICK_GELU, 1e-5f), 3);
        return new VisualChatModel(vision, llama, new BaselineProjection(12, HIDDEN, 5), options.withTokens(IMAGE, EOS, EOS));
    }

    @Test
    void generationOnOpenClEqualsTheCpuInEveryMmcaMode() {
        int[] prompt = {1, 5, 6, IMAGE, 7, 8, IMAGE, 9};
        Tensor pixels = Tensor.randn(6, 1f, 2, 3, 8, 8);
        for (VisualChatOptions options : new VisualChatOptions[] {VisualChatOptions.defaults().withAttention(MmcaMode.STRICT),
                VisualChatOptions.original(), VisualChatOptions.defaults().withAttention(MmcaMode.CAUSAL)}) {
            VisualChatModel model = model(options);
            model.langEmbed().weight().setValue(Tensor.randn(77, 1f, VOCAB, HIDDEN));   // generated tokens use the trained copy
            int[] cpu = model.generate(prompt, pixels, 8, null, id -> { });
            List<Integer> streamed = new ArrayList<>();
            try (OpenClLlama gpu = OpenClLlama.open(model.decoder(), "opencl", 64);
                 OpenClClipVision vit = OpenClClipVision.open((ClipVisionEncoder) model.encoder(), "opencl", 1)) {
                int[] device = model.generate(gpu, vit::encode, prompt, pixels, 8, null, streamed::add);
                assertTrue(gpu.ranOnOpenCl() && vit.ranOnOpenCl(), "ran on OpenCL");
                assertArrayEquals(cpu, device, options.attention() + ": greedy tokens");
            }
            assertTrue(cpu.length >= 3, options.attention() + ": too short to compare decode steps");
            assertArrayEquals(cpu, streamed.stream().mapToInt(Integer::intValue).toArray());
        }
    }
}
