package org.visualchat.tests.opencl;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.visualchat.autograd.Variable;
import org.visualchat.llama.model.LlamaConfig;
import org.visualchat.llama.model.LlamaModel;
import org.visualchat.llama.model.RandomWeights;
import org.visualchat.mmca.attention.MmcaMode;
import org.visualchat.mmca.model.BaselineProjection;
import org.visualchat.mmca.model.ModelInput;
import org.visualchat.mmca.model.VisualChatModel;
import org.visualchat.mmca.model.VisualChatOptions;
import org.visualchat.nn.Activation;
import org.visualchat.nn.optim.AdamW;
import org.visualchat.nn.optim.ParamGroup;
import org.visualchat.opencl.models.OpenClClipVision;
import org.visualchat.opencl.models.OpenClLlamaLoss;
import org.visualchat.tensor.DType;
import org.visualchat.tensor.Tensor;
import org.visualchat.tensor.ops.Rope;
import org.visualchat.vision.encoder.ClipVisionConfig;
import org.visualchat.vision.encoder.ClipVisionEncoder;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A VisualChat training step with the frozen parts on OpenCL (PoCL here): CLIP encoder forward and the LLaMA's
 * forward, shifted cross-entropy and backward to the spliced embeddings on the device ({@link OpenClLlamaLoss}),
 * then the host tape takes dLoss/dEmbeddings into {@code lang_embed} and the projection. Against the all-CPU
 * step, in every MMCA mode, on a batch of two rows (three images, padding, ignored labels): the loss within
 * 1e-5 relative and every trainable gradient within 1e-4 of its largest entry; then four AdamW steps from the
 * same start give the same falling losses (1e-4 relative). Tagged {@code opencl} (G1, PoCL: tests/pom.xml).
 */
@Tag("opencl")
class OpenClTrainingStepTest {
    static final int VOCAB = 48, IMAGE = 47, EOS = 2, HIDDEN = 32;

    private static VisualChatModel model(MmcaMode mode) {
        LlamaModel llama = new LlamaModel(LlamaConfig.of(HIDDEN, 64, 2, 4, 2, VOCAB), Rope.Layout.HALF, new RandomWeights(4, DType.F32));
        ClipVisionEncoder vision = new ClipVisionEncoder(new ClipVisionConfig(12, 24, 2, 2, 8, 4, 3, Activation.QUICK_GELU, 1e-5f), 3);
        VisualChatOptions options = mode == MmcaMode.REFERENCE ? VisualChatOptions.original() : VisualChatOptions.defaults().withAttention(mode);
        return new VisualChatModel(vision, llama, new BaselineProjection(12, HIDDEN, 5), options.withTokens(IMAGE, EOS, EOS));
    }

    private static ModelInput batch() {
        int[][] ids = {{1, 5, IMAGE, 6, 7, IMAGE, 8, 9}, {1, 4, IMAGE, 10, 11, 2, 2, 2}};
        int[][] codes = {{1, 1, 1, 1, 1, 1, 1, 1}, {1, 1, 1, 1, 1, 0, 0, 0}};
        int[][] labels = {{-100, -100, -100, -100, 7, -100, 8, 9}, {-100, -100, -100, 10, 11, -100, -100, -100}};
        return new ModelInput(ids, codes, labels, new int[] {2, 1}, Tensor.randn(6, 1f, 3, 3, 8, 8));
    }

    @ParameterizedTest
    @EnumSource(MmcaMode.class)
    void deviceStepMatchesTheCpuStep(MmcaMode mode) {
        VisualChatModel cpu = model(mode), device = model(mode);
        try (OpenClLlamaLoss lm = OpenClLlamaLoss.open(device.decoder(), "opencl", 2, 24);
             OpenClClipVision vit = OpenClClipVision.open((ClipVisionEncoder) device.encoder(), "opencl", 4)) {
            device.encodeImagesWith(vit::encode);
            Variable expected = cpu.loss(batch(), false);
            expected.backward();
            Variable actual = device.loss(device.splice(batch(), VisualChatModel.TRAINING_PAD_MULTIPLE), lm::loss);
            actual.backward();
            assertTrue(lm.ranOnOpenCl() && vit.ranOnOpenCl(), "ran on OpenCL");
            assertEquals(expected.value().get(), actual.value().get(), 1e-5 * expected.value().get(), mode + ": loss");
            assertGradientsClose(cpu.trainableParameters(), device.trainableParameters(), mode);

            AdamW cpuOpt = adamW(cpu), deviceOpt = adamW(device);
            float previous = Float.MAX_VALUE;
            for (int step = 0; step < 4; step++) {
                cpuOpt.step();
                deviceOpt.step();
                cpuOpt.zeroGrad();
                deviceOpt.zeroGrad();
                Variable c = cpu.loss(batch(), false), d = device.loss(device.splice(batch(), VisualChatModel.TRAINING_PAD_MULTIPLE), lm::loss);
                c.backward();
                d.backward();
                System.out.printf("%s step %d: loss CPU %.6f, OpenCL %.6f%n", mode, step + 1, c.value().get(), d.value().get());
                assertEquals(c.value().get(), d.value().get(), 1e-4 * c.value().get(), mode + ": loss after step " + (step + 1));
                assertTrue(d.value().get() < previous, mode + ": the loss falls");
                previous = d.value().get();
            }
        }
    }

    private static AdamW adamW(VisualChatModel model) {
        return new AdamW(List.of(new ParamGroup("trainable", model.trainableParameters(), 1e-2, 0)));
    }

    private static void assertGradientsClose(Map<String, Variable> expected, Map<String, Variable> actual, MmcaMode mode) {
        assertEquals(new TreeMap<>(expected).keySet(), new TreeMap<>(actual).keySet());
        for (String name : expected.keySet()) {
            float[] e = expected.get(name).grad().toFloatArray(), a = actual.get(name).grad().toFloatArray();
            double largest = 0, worst = 0;
            for (float v : e) largest = Math.max(largest, Math.abs(v));
            for (int i = 0; i < e.length; i++) worst = Math.max(worst, Math.abs(e[i] - a[i]));
            System.out.printf("%s %s: largest gradient %.3g, max |error| %.3g%n", mode, name, largest, worst);
            if (largest == 0 || worst > 1e-4 * largest) fail(mode + " " + name + ": gradient error " + worst + " against largest entry " + largest);
        }
    }
}
