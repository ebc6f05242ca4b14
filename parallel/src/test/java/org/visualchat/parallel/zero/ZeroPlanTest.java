package org.visualchat.parallel.zero;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The cost model against hand-computed and published figures (distributed.md §1.3, §3.5, §9). */
class ZeroPlanTest {

    @Test
    void reproducesTheZeroPapersMemoryExample() {
        // Ψ = 7.5B, p = 64, fp16 weights and gradients, K = 12: 120 → 31.4 → 16.6 → 1.9 GB.
        ModelShape m = new ModelShape("paper", List.of(new ModelShape.Component("all", 7_500_000_000L, 2, true, 1, true)));
        long[] want = {120_000_000_000L, 31_406_250_000L, 16_640_625_000L, 1_875_000_000L};
        for (int stage = 0; stage < 4; stage++) {
            ZeroPlan.Plan plan = ZeroPlan.plan(m, 64, stage, ZeroConfig.Frozen.REPLICATED, 2, 1, 0);
            long gathered = plan.memory().gathered();
            assertEquals(want[stage], plan.memory().total() - gathered, "stage " + stage);
        }
    }

    @Test
    void presetParameterCountsMatchTheHuggingFaceModels() {
        assertEquals(6_738_415_616L, ModelShape.Llm.LLAMA2_7B.totalParams());
        assertEquals(13_015_864_320L, ModelShape.Llm.LLAMA2_13B.totalParams());
        assertEquals(68_976_648_192L, ModelShape.Llm.LLAMA2_70B.totalParams());
        assertEquals(303_179_776L, ModelShape.Vision.CLIP_VIT_L_14.totalParams());   // CLIPVisionModel, openai/clip-vit-large-patch14
    }

    @Test
    void trafficFollowsTheRingFormulas() {
        // 13B + CLIP, p = 8: trainable = embedding 32000·5120 + projection 1024·5120 + 5120.
        ModelShape m = ModelShape.visualChat(ModelShape.Llm.LLAMA2_13B, ModelShape.Vision.CLIP_VIT_L_14);
        long psi = 32000L * 5120 + 1024L * 5120 + 5120;
        ZeroPlan.Traffic z0 = ZeroPlan.plan(m, 8, 0, ZeroConfig.Frozen.REPLICATED, 4, 1, 0).traffic();
        assertEquals(2 * 7 * psi * 4 / 8, z0.allReduce(), 2);
        ZeroPlan.Traffic z2 = ZeroPlan.plan(m, 8, 2, ZeroConfig.Frozen.REPLICATED, 4, 3, 0).traffic();
        assertEquals(3 * 7 * psi * 4 / 8, z2.reduceScatter(), 4);
        assertEquals(7 * psi * 2 / 8, z2.allGather(), 2);
        ZeroPlan.Traffic z3 = ZeroPlan.plan(m, 8, 3, ZeroConfig.Frozen.REPLICATED, 4, 1, 0).traffic();
        assertEquals(2 * 7 * psi * 2 / 8, z3.allGather(), 4);
    }

    @Test
    void partitioningThe70BDecoderCostsAbout241GBPerMicroStep() {
        // distributed.md §3.5: ≈ 2·(7/8)·138 GB of frozen bf16 weights gathered per micro-step at p = 8.
        ModelShape m = ModelShape.visualChat(ModelShape.Llm.LLAMA2_70B, ModelShape.Vision.QWEN_VIT_BIGG);
        ZeroPlan.Plan plan = ZeroPlan.plan(m, 8, 3, ZeroConfig.Frozen.PARTITIONED, 4, 1, 0);
        long decoder = ModelShape.Llm.LLAMA2_70B.frozenParams() * 2;
        long vision = ModelShape.Vision.QWEN_VIT_BIGG.totalParams() * 2;
        long trainable = (32000L * 8192 + 1664L * 8192 + 8192) * 2;
        long expected = Math.round(7 / 8.0 * (2 * decoder + vision + 2 * trainable));
        assertEquals(expected, plan.traffic().allGather(), 8);
        assertEquals(241e9, decoder * 2 * 7 / 8.0, 1e9);
        // The largest gathered unit is one decoder layer: q, o 8192² each, k, v 1024×8192, MLP 3·8192·28672, two norms.
        assertEquals(855_654_400L * 2, plan.memory().gathered());
    }
}
