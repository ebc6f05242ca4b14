package org.visualchat.opencl.models;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.visualchat.autograd.Variable;
import org.visualchat.llama.model.CausalLm;
import org.visualchat.llama.model.LlamaConfig;
import org.visualchat.llama.model.LlamaModel;
import org.visualchat.llama.model.RandomWeights;
import org.visualchat.nn.MaskedAttentionPolicy;
import org.visualchat.opencl.TransferStats;
import org.visualchat.tensor.DType;
import org.visualchat.tensor.Tensor;
import org.visualchat.tensor.ops.Rope;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * MMCA-style attention on the device through {@link MaskedAttentionPolicy}: a tiny LLaMA over a
 * text/image/text prompt of 70 positions (two prefill chunks, the image spanning the chunk border)
 * with two branch masks from the codes, then text decode steps, against the CPU model running the same
 * policy; 2e-5 absolute + 1e-4 relative. Both empty-branch rules are covered: −∞ (the text before the
 * image has an empty image branch that adds zero) and a finite fallback μ (that branch averages its
 * μ keys uniformly, as the reference does). (mmca's own MmcaAttention is checked against its masks in
 * mmca's MmcaBranchMasksTest.)
 */
class OpenClMaskedPolicyTest {
    static final int PROMPT = 70, DECODE = 3;

    /** Codes 1 text, 2 image; image queries see only themselves in the image branch; past keys of the wrong modality get {@code fallback}. */
    record CodeMasks(int[] codes, float fallback) implements TwoBranchMasks {
        @Override
        public Tensor[] branchMasks(int queries, int keys) {
            Tensor image = Tensor.zeros(1, 1, queries, keys), text = Tensor.zeros(1, 1, queries, keys);
            for (int i = 0; i < queries; i++) {
                int query = keys - queries + i;
                for (int j = 0; j < keys; j++) {
                    boolean past = j <= query;
                    boolean seesImage = codes[j] == 2 && (codes[query] != 2 || j == query);
                    image.set(!past ? Float.NEGATIVE_INFINITY : seesImage ? 0f : fallback, 0, 0, i, j);
                    text.set(!past ? Float.NEGATIVE_INFINITY : codes[j] == 1 ? 0f : fallback, 0, 0, i, j);
                }
            }
            return new Tensor[] {image, text};
        }
    }

    @ParameterizedTest
    @ValueSource(floats = {Float.NEGATIVE_INFINITY, -Float.MAX_VALUE})
    void twoBranchPolicyMatchesTheCpuModel(float fallback) {
        LlamaModel model = new LlamaModel(new LlamaConfig(64, 96, 2, 4, 2, 1e-5f, 10000f, 50, 512, false), Rope.Layout.HALF, new RandomWeights(9, DType.Q8_0));
        int[] codes = new int[PROMPT + DECODE];
        for (int i = 0; i < codes.length; i++) codes[i] = i >= 10 && i < 40 ? 2 : 1;
        int[] ids = new int[PROMPT];
        for (int i = 0; i < PROMPT; i++) ids[i] = (i * 13 + 5) % 50;
        Tensor prompt = model.embedTokens(Tensor.ofInts(ids, 1, PROMPT));
        try (OpenClLlama gpu = OpenClLlama.open(model, "opencl", PROMPT + DECODE);
             CausalLm.Session device = gpu.start(PROMPT + DECODE, DType.F32);
             CausalLm.Session cpu = model.start(PROMPT + DECODE, DType.F32)) {
            CodeMasks policy = new CodeMasks(Arrays.copyOf(codes, PROMPT), fallback);
            Tensor expected = cpu.inferLast(prompt, policy);
            Parity.assertClose(expected, device.inferLast(prompt, policy), 2e-5, 1e-4, "MMCA prefill, fallback " + fallback);
            for (int step = 0; step < DECODE; step++) {
                int t = PROMPT + step + 1;
                CodeMasks stepPolicy = new CodeMasks(Arrays.copyOf(codes, t), fallback);
                TransferStats before = gpu.transfers();
                Tensor actual = device.inferToken(step + 1, stepPolicy);
                TransferStats after = gpu.transfers();
                Parity.assertClose(cpu.inferToken(step + 1, stepPolicy), actual, 2e-5, 1e-4, "MMCA decode step " + step);
                assertEquals(8 + 2 * 4L * t, after.bytesUploaded() - before.bytesUploaded(), "id, position and the two mask rows; no weights");
            }
            assertTrue(gpu.ranOnOpenCl(), "ran on OpenCL");
        }
    }

    @Test
    void aFallbackOntoKeysBeyondAChunkIsRefused() {
        int length = 70;
        // Every key visible to nobody: each row's only finite values are μ, some of them after the first chunk.
        MaskedAttentionPolicy leaking = new MaskedAttentionPolicy() {
            @Override
            public Tensor[] branchMasks(int queries, int keys) {
                return new Tensor[] {Tensor.full(-Float.MAX_VALUE, 1, 1, queries, keys)};
            }

            @Override
            public Variable attend(Variable q, Variable k, Variable v) {
                throw new AssertionError("not used");
            }
        };
        UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
                () -> OpenClLlama.chunkMasks(leaking.branchMasks(length, length), 0, OpenClLlama.PREFILL_CHUNK, OpenClLlama.PREFILL_CHUNK));
        assertTrue(e.getMessage().contains("--device cpu"), e.getMessage());
    }
}
