package org.visualchat.opencl.models;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.visualchat.autograd.GradCheck;
import org.visualchat.autograd.Losses;
import org.visualchat.autograd.NoGrad;
import org.visualchat.autograd.Variable;
import org.visualchat.autograd.Views;
import org.visualchat.llama.model.LlamaBackbone;
import org.visualchat.llama.model.LlamaConfig;
import org.visualchat.llama.model.LlamaModel;
import org.visualchat.llama.model.RandomWeights;
import org.visualchat.nn.MaskedAttentionPolicy;
import org.visualchat.opencl.TransferStats;
import org.visualchat.tensor.DType;
import org.visualchat.tensor.Tensor;
import org.visualchat.tensor.ops.Elementwise;
import org.visualchat.tensor.ops.Rope;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The frozen LLaMA's training loss and dLoss/dEmbeddings on PoCL against the CPU autograd through the
 * same model (2 layers, GQA 4/2 heads, a batch of 2 rows of 13 positions with padding, MMCA-style
 * two-branch masks, ignored labels): loss within 1e-5 relative, gradient within 2e-7 + 1e-3 relative
 * (measured 1.2e-8 absolute); then three gradient steps on the embeddings give the same falling
 * losses on both, and a call moves only its inputs up and the row losses and the gradient down (the
 * row losses alone when there is no tape to feed, as in evaluation). Also checked against finite
 * differences of the device loss.
 */
class OpenClLlamaLossTest {
    static final int B = 2, L = 13;

    /** Codes per row (0 pad, 1 text, 2 image): pads are no key; strict MMCA (empty branch −∞). */
    record BatchCodes(int[][] codes) implements TwoBranchMasks {
        @Override
        public Tensor[] branchMasks(int queries, int keys) {
            Tensor image = Tensor.full(Float.NEGATIVE_INFINITY, codes.length, 1, queries, keys), text = image.contiguous();
            for (int r = 0; r < codes.length; r++) {
                int[] c = codes[r];
                for (int i = 0; i < queries; i++) {
                    for (int j = 0; j <= i; j++) {
                        if (c[j] == 2 && (c[i] != 2 || i == j)) image.set(0f, r, 0, i, j);
                        if (c[j] == 1) text.set(0f, r, 0, i, j);
                    }
                }
            }
            return new Tensor[] {image, text};
        }
    }

    static final int[][] CODES = {{1, 1, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1}, {2, 2, 2, 1, 1, 1, 2, 2, 1, 1, 1, 0, 0}};
    static final int[][] LABELS = {{-100, -100, -100, -100, -100, -100, 4, 9, 13, 2, 40, 7, 7}, {-100, -100, -100, -100, 30, 31, -100, -100, -100, 5, 6, -100, -100}};

    @ParameterizedTest
    @CsvSource({"F32, HALF", "Q8_0, INTERLEAVED"})
    void lossAndInputGradientMatchTheCpuAutograd(DType dtype, Rope.Layout layout) {
        LlamaModel model = new LlamaModel(new LlamaConfig(64, 96, 2, 4, 2, 1e-5f, 10000f, 50, 512, false), layout, new RandomWeights(11, dtype));
        BatchCodes policy = new BatchCodes(CODES);
        Tensor embeds = Tensor.uniform(12, -1, 1, B, L, 64);
        try (OpenClLlamaLoss gpu = OpenClLlamaLoss.open(model, "opencl", B, 16)) {
            Variable x = Variable.parameter(embeds);
            Variable expected = cpuLoss(model, x, policy);
            expected.backward();
            TransferStats before = gpu.transfers();
            OpenClLlamaLoss.Result actual = gpu.lossAndGradient(embeds, policy, LABELS);
            TransferStats after = gpu.transfers();
            assertTrue(gpu.ranOnOpenCl(), "ran on OpenCL");
            assertEquals(expected.value().get(), actual.loss(), 1e-5 * expected.value().get(), "loss");
            assertEquals(11, actual.kept());
            Parity.assertClose(x.grad(), actual.inputGradient(), 2e-7, 1e-3, "dLoss/dEmbeddings " + dtype);
            long up = 4L * (B * L * 64 + 2 * B * L * L + L + B * L), down = 4L * (B * L + B * L * 64);
            assertEquals(up, after.bytesUploaded() - before.bytesUploaded(), "embeddings, two masks, positions and labels up; no weights");
            assertEquals(down, after.bytesDownloaded() - before.bytesDownloaded(), "row losses and the input gradient down");

            TransferStats start = gpu.transfers();
            try (NoGrad ignored = NoGrad.enter()) {
                assertEquals(actual.loss(), gpu.loss(Variable.parameter(embeds), policy, LABELS).value().get(), 0f, "evaluation: the same loss");
            }
            assertEquals(4L * B * L, gpu.transfers().bytesDownloaded() - start.bytesDownloaded(), "evaluation runs no backward: only the row losses come down");

            Tensor cpuEmbeds = embeds, deviceEmbeds = embeds;
            float previous = Float.MAX_VALUE;
            for (int step = 0; step < 3; step++) {
                Variable xc = Variable.parameter(cpuEmbeds);
                Variable cpu = cpuLoss(model, xc, policy);
                cpu.backward();
                OpenClLlamaLoss.Result device = gpu.lossAndGradient(deviceEmbeds, policy, LABELS);
                System.out.printf("step %d: loss CPU %.7f, OpenCL %.7f%n", step, cpu.value().get(), device.loss());
                assertEquals(cpu.value().get(), device.loss(), 1e-5 * cpu.value().get(), "loss at step " + step);
                assertTrue(device.loss() < previous, "the loss falls");
                previous = device.loss();
                cpuEmbeds = Elementwise.sub(cpuEmbeds, Elementwise.mul(xc.grad(), 50f));
                deviceEmbeds = Elementwise.sub(deviceEmbeds, Elementwise.mul(device.inputGradient(), 50f));
            }
        }
    }

    /**
     * Finite differences of the device loss itself (autograd's {@link GradCheck}: central differences of
     * the forward-only path, ε = 1e-2) against the device gradient, for every input element of a 1-layer
     * model over 6 positions with an image span (so every backward kernel is on the path).
     */
    @Test
    void inputGradientMatchesFiniteDifferences() {
        LlamaModel model = new LlamaModel(new LlamaConfig(32, 48, 1, 4, 2, 1e-5f, 10000f, 20, 64, false), Rope.Layout.HALF, new RandomWeights(13, DType.F32));
        BatchCodes policy = new BatchCodes(new int[][] {{1, 2, 2, 1, 1, 1}});
        int[][] labels = {{-100, -100, -100, 3, 17, 5}};
        try (OpenClLlamaLoss gpu = OpenClLlamaLoss.open(model, "opencl", 1, 6)) {
            GradCheck.check("OpenCL LLaMA loss", v -> gpu.loss(v[0], policy, labels), Tensor.uniform(14, -1, 1, 1, 6, 32));
        }
    }

    /** The CPU reference: the model's layers on the tape, then ShiftedLoss's shifted token-mean cross-entropy. */
    private static Variable cpuLoss(LlamaModel model, Variable x, MaskedAttentionPolicy policy) {
        LlamaBackbone backbone = model.backbone();
        Tensor positions = LlamaModel.positions(0, L);
        for (int i = 0; i < backbone.layerCount(); i++) x = backbone.layer(i).forward(x, positions, policy);
        Variable logits = model.lmHead().forward(backbone.norm().forward(x));
        int[] targets = new int[B * (L - 1)];
        for (int r = 0; r < B; r++) System.arraycopy(LABELS[r], 1, targets, r * (L - 1), L - 1);
        Variable shifted = Views.reshape(Views.contiguous(Views.narrow(logits, 1, 0, L - 1)), B * (L - 1), 50);
        return Losses.crossEntropy(shifted, Tensor.ofInts(targets, targets.length));
    }
}
