package org.visualchat.opencl.models;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.visualchat.llama.model.CausalLm;
import org.visualchat.llama.model.LlamaConfig;
import org.visualchat.llama.model.LlamaModel;
import org.visualchat.llama.model.RandomWeights;
import org.visualchat.nn.AttentionPolicy;
import org.visualchat.nn.Linear;
import org.visualchat.nn.Lora;
import org.visualchat.nn.Module;
import org.visualchat.nn.NamePattern;
import org.visualchat.opencl.TransferStats;
import org.visualchat.tensor.DType;
import org.visualchat.tensor.Tensor;
import org.visualchat.tensor.ops.Rope;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A whole tiny LLaMA on PoCL against the CPU model: a 70-token prompt (two prefill chunks, so chunked
 * prefill over the device KV cache is covered) and then decode steps, logits compared at every step
 * to 2e-5 absolute + 1e-4 relative; then what a decode step moves: a token id and a position up, one
 * row of logits down, no weights.
 */
class OpenClLlamaParityTest {
    static final int PROMPT = 70, DECODE = 4, CONTEXT = 80;

    private static LlamaModel model(DType dtype, Rope.Layout layout, boolean tied) {
        // 2 layers, 4 heads over 2 KV heads (GQA), head dim 16; dims multiples of 32 for Q8_0 blocks.
        LlamaConfig config = new LlamaConfig(64, 96, 2, 4, 2, 1e-5f, 10000f, 50, 512, tied);
        return new LlamaModel(config, layout, new RandomWeights(7, dtype));
    }

    @ParameterizedTest
    @CsvSource({"F32, HALF, false", "Q8_0, INTERLEAVED, true", "BF16, HALF, false", "Q4_0, HALF, false"})
    void prefillAndDecodeMatchTheCpuModel(DType dtype, Rope.Layout layout, boolean tied) {
        LlamaModel model = model(dtype, layout, tied);
        int[] ids = new int[PROMPT];
        for (int i = 0; i < PROMPT; i++) ids[i] = (i * 17 + 3) % 50;
        Tensor prompt = model.embedTokens(Tensor.ofInts(ids, 1, PROMPT));
        try (OpenClLlama gpu = OpenClLlama.open(model, "opencl", CONTEXT);
             CausalLm.Session device = gpu.start(CONTEXT, DType.F32);
             CausalLm.Session cpu = model.start(CONTEXT, DType.F32)) {
            Tensor expected = cpu.inferLast(prompt, null);
            Tensor actual = device.inferLast(prompt, null);
            assertTrue(gpu.ranOnOpenCl(), "ran on OpenCL");
            Parity.assertClose(expected, actual, 2e-5, 1e-4, "prefill logits " + dtype);
            int token = argmax(expected);
            for (int step = 0; step < DECODE; step++) {
                TransferStats before = gpu.transfers();
                actual = device.inferToken(token, null);
                TransferStats after = gpu.transfers();
                expected = cpu.inferToken(token, null);
                Parity.assertClose(expected, actual, 2e-5, 1e-4, "decode step " + step + " " + dtype);
                assertEquals(2, after.uploads() - before.uploads(), "a decode step uploads its token id and its position");
                assertEquals(8, after.bytesUploaded() - before.bytesUploaded(), "a decode step uploads 8 bytes and no weights");
                assertEquals(1, after.downloads() - before.downloads());
                assertEquals(4L * 50, after.bytesDownloaded() - before.bytesDownloaded(), "a decode step downloads one row of logits");
                token = argmax(expected);
            }
        }
    }

    @Test
    void sessionsAreBoundedAndPoliciesAreRefusedClearly() {
        LlamaModel model = model(DType.F32, Rope.Layout.HALF, false);
        try (OpenClLlama gpu = OpenClLlama.open(model, "opencl", 8)) {
            assertThrows(IllegalArgumentException.class, () -> gpu.start(9, DType.F32));
            try (CausalLm.Session s = gpu.start(4, DType.F32)) {
                assertThrows(IllegalStateException.class, () -> gpu.start(4, DType.F32), "one session slot");
                UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class, () -> s.inferToken(1, AttentionPolicy.causal()));
                assertTrue(e.getMessage().contains("--device cpu"), e.getMessage());
                s.inferLast(model.embedTokens(Tensor.ofInts(new int[] {1, 2, 3}, 1, 3)), null);
                s.inferToken(4, null);
                IllegalArgumentException full = assertThrows(IllegalArgumentException.class, () -> s.inferToken(5, null));
                assertTrue(full.getMessage().contains("KV cache full"), full.getMessage());
                assertTrue(gpu.ranOnOpenCl());
            }
            try (CausalLm.Session again = gpu.start(8, DType.F32)) {
                again.inferToken(1, null);   // the first session's KV cache slot was given back
            }
        }
    }

    /** A chat truncates its session to the prefix the next round shares and runs the rest on top, as on the CPU. */
    @Test
    void aTruncatedSessionContinuesLikeAFreshCpuPrefill() {
        LlamaModel model = model(DType.F32, Rope.Layout.HALF, false);
        Tensor first = model.embedTokens(Tensor.ofInts(new int[] {1, 5, 9, 13, 17, 21, 25, 29, 33, 37}, 1, 10));
        Tensor suffix = model.embedTokens(Tensor.ofInts(new int[] {2, 4, 6, 8, 10}, 1, 5));
        Tensor joined = org.visualchat.tensor.ops.Join.concat(1, first.narrow(1, 0, 6), suffix);
        try (OpenClLlama gpu = OpenClLlama.open(model, "opencl", 24);
             CausalLm.Session device = gpu.start(24, DType.F32);
             CausalLm.Session cpu = model.start(24, DType.F32)) {
            device.inferLast(first, null);
            device.inferToken(7, null);
            assertEquals(11, device.length());
            device.truncate(6);
            assertEquals(6, device.length());
            Parity.assertClose(cpu.inferLast(joined, null), device.inferLast(suffix, null), 2e-5, 1e-4, "a suffix after truncation");
            Parity.assertClose(cpu.inferToken(3, null), device.inferToken(3, null), 2e-5, 1e-4, "a decode step after it");
            IllegalArgumentException beyond = assertThrows(IllegalArgumentException.class, () -> device.truncate(13));
            assertTrue(beyond.getMessage().contains("outside [0, 12]"), beyond.getMessage());
            assertTrue(gpu.ranOnOpenCl());
        }
    }

    /** Sessions open at once (Generator.generateAll) each keep their own KV cache slot; a closed session cannot step. */
    @Test
    void concurrentSessionsAreIndependent() {
        LlamaModel model = model(DType.Q8_0, Rope.Layout.HALF, false);
        Tensor a = model.embedTokens(Tensor.ofInts(new int[] {1, 2, 3, 4}, 1, 4)), b = model.embedTokens(Tensor.ofInts(new int[] {9, 8}, 1, 2));
        try (OpenClLlama gpu = OpenClLlama.open(model, "opencl", 8, 2);
             CausalLm.Session cpuA = model.start(8, DType.F32); CausalLm.Session cpuB = model.start(8, DType.F32)) {
            CausalLm.Session devA = gpu.start(8, DType.F32), devB = gpu.start(8, DType.F32);
            assertThrows(IllegalStateException.class, () -> gpu.start(8, DType.F32), "both slots are taken");
            Parity.assertClose(cpuA.inferLast(a, null), devA.inferLast(a, null), 2e-5, 1e-4, "session A prefill");
            Parity.assertClose(cpuB.inferLast(b, null), devB.inferLast(b, null), 2e-5, 1e-4, "session B prefill");
            Tensor steps = gpu.inferEach(new int[] {5, 6}, new CausalLm.Session[] {devA, devB}, new AttentionPolicy[2]);
            Parity.assertClose(cpuA.inferToken(5, null), steps.narrow(0, 0, 1).contiguous(), 2e-5, 1e-4, "session A step");
            Parity.assertClose(cpuB.inferToken(6, null), steps.narrow(0, 1, 1).contiguous(), 2e-5, 1e-4, "session B step");
            devA.close();
            assertThrows(IllegalStateException.class, () -> devA.inferToken(1, null), "a closed session");
            devB.close();
            assertTrue(gpu.ranOnOpenCl());
        }
    }

    /** LoRA adapters (training) must be merged before the weights go to the device, as for the CPU inference path. */
    @Test
    void loraAdaptersAreRefusedUnmergedAndMatchOnceMerged() {
        LlamaModel model = model(DType.F32, Rope.Layout.HALF, false);
        Lora.apply(model, NamePattern.contains("self_attn"), 4, 8f, 3);
        long seed = 40;
        for (Module m : model.namedModules().values()) {
            if (m instanceof Linear l && l.lora() != null) l.lora().left().setValue(Tensor.uniform(seed++, -0.5f, 0.5f, l.lora().left().shape()));
        }
        IllegalStateException unmerged = assertThrows(IllegalStateException.class, () -> OpenClLlama.open(model, "opencl", 8));
        assertTrue(unmerged.getMessage().contains("LoRA"), unmerged.getMessage());
        Lora.merge(model);
        Tensor prompt = model.embedTokens(Tensor.ofInts(new int[] {3, 1, 4, 1, 5}, 1, 5));
        try (OpenClLlama gpu = OpenClLlama.open(model, "opencl", 8);
             CausalLm.Session device = gpu.start(8, DType.F32); CausalLm.Session cpu = model.start(8, DType.F32)) {
            Parity.assertClose(cpu.inferLast(prompt, null), device.inferLast(prompt, null), 2e-5, 1e-4, "merged LoRA");
            assertTrue(gpu.ranOnOpenCl());
        }
    }

    private static int argmax(Tensor logits) {
        float[] v = logits.toFloatArray();
        int best = 0;
        for (int i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
        return best;
    }
}
