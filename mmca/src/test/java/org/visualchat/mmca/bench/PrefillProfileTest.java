package org.visualchat.mmca.bench;

import org.junit.jupiter.api.Test;
import org.visualchat.llama.model.LlamaConfig;
import org.visualchat.llama.model.LlamaModel;
import org.visualchat.tensor.DType;
import org.visualchat.tensor.Tensor;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PrefillProfileTest {
    private static final String T = "org.visualchat.tensor.", L = "org.visualchat.llama.model.";

    @Test
    void samplesAreAttributedToTheModelPartAndTheGemmStage() {
        // Stacks as JFR reports them (innermost first), from a BF16 prefill.
        assertArrayEquals(new String[] {"gate, up, down projections", "packing broadcast panels (a linear's weights, dequantized)"},
                PrefillProfile.classify(List.of(T + "kernels.Dequantize.row", T + "kernels.Packing.scalarPanels", T + "kernels.Gemm.block",
                        T + "kernels.Gemm.lambda$multiply$0", T + "WorkerPool.parallelForChunks", T + "kernels.Gemm.multiply",
                        T + "ops.MatMul.multiply", T + "ops.MatMul.linear", L + "LlamaMlp.infer", L + "LlamaLayer.residual", L + "LlamaModel.run")));
        assertArrayEquals(new String[] {"q, k, v, o projections", "micro-kernel"},
                PrefillProfile.classify(List.of("jdk.incubator.vector.FloatVector.fma", T + "kernels.Gemm.microKernel", T + "kernels.Gemm.block",
                        T + "ops.MatMul.linear", L + "LlamaAttention.infer", L + "LlamaLayer$$Lambda/0x0000000012345678.apply")));
        assertArrayEquals(new String[] {"SwiGLU silu(gate)·up", null},
                PrefillProfile.classify(List.of(T + "ops.VecMath.sigmoid", T + "ops.Pointwise$$Lambda/0x01.run", T + "ops.Unary.silu", L + "LlamaMlp.infer")));
        assertArrayEquals(new String[] {"RoPE", null},
                PrefillProfile.classify(List.of(T + "ops.Rope.rotateInterleaved", T + "ops.Rope.rope", L + "LlamaAttention.attendCached", L + "LlamaAttention.infer")));
        assertArrayEquals(new String[] {"attention: q·kᵀ, softmax, ·v", null},
                PrefillProfile.classify(List.of(T + "ops.Softmax.expShift", T + "ops.Softmax.softmax", L + "CausalAttention.attend", L + "LlamaAttention.attendCached")));
        assertArrayEquals(new String[] {"lm_head", "matrix-vector"},
                PrefillProfile.classify(List.of(T + "kernels.MatVec.dotBf16x4", T + "ops.MatMul.linear", L + "LlamaModel.run")));
        assertArrayEquals(new String[] {"outside the model", null}, PrefillProfile.classify(List.of("java.lang.Thread.run")));
    }

    @Test
    void aProfiledPrefillIsMostlyItsProjections() {
        LlamaModel model = LlamaModel.random(LlamaConfig.of(256, 704, 2, 4, 2, 500), 1, DType.BF16);
        Tensor prompt = model.embedTokens(Tensor.ofInts(new int[64], 1, 64));
        ThreadMXBean cpu = ManagementFactory.getThreadMXBean();
        PrefillProfile.Counts counts = PrefillProfile.sample(() -> Threads.call(1, () -> {
            long until = cpu.getCurrentThreadCpuTime() + 1_000_000_000L;   // CPU time: the host may be busy
            while (cpu.getCurrentThreadCpuTime() < until) model.inferLast(prompt, model.newCache(1, 64, DType.F32), null);
        }));
        assertTrue(counts.samples() >= 20, counts.samples() + " samples in 1 CPU-second at one every 5 ms");
        assertEquals(counts.samples(), counts.parts().values().stream().mapToInt(Integer::intValue).sum());
        int projections = counts.parts().getOrDefault("q, k, v, o projections", 0) + counts.parts().getOrDefault("gate, up, down projections", 0);
        assertTrue(projections > counts.samples() / 3, "projections " + projections + " of " + counts.samples() + ": " + counts.parts());
    }
}
