package org.visualchat.parallel.zero;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.visualchat.nn.optim.AdamW;
import org.visualchat.parallel.Collective;
import org.visualchat.parallel.LocalRanks;
import org.visualchat.tensor.Tensor;

/**
 * ZeRO 0–3 on p ranks (threads, real loopback sockets) against the plain single-process loop on the same
 * global batches (distributed.md §8.3 G2, G3): losses, gradient norms and updated parameters agree to
 * float tolerance, frozen weights stay bitwise unchanged, and the bytes each step sends match the cost model.
 */
class ZeroParityTest {
    static final int PER_RANK = 3, STEPS = 3;
    /** Sums in a different order (per-rank means, then the ring average) differ in the last bits; AdamW amplifies little. */
    static final double TOL = 2e-5;

    record Result(List<Double> losses, List<Double> norms, Map<String, Tensor> params, Map<String, Tensor> frozen,
                  long rsBytes, long agBytes, int maxGathered) {}

    static Result reference(int world, int accumulation) {
        TinyVisualChat m = new TinyVisualChat();
        AdamW opt = new AdamW(ZeroTraining.groups(m));
        List<Double> losses = new ArrayList<>(), norms = new ArrayList<>();
        ZeroTraining.singleProcess(m, opt, STEPS, accumulation, world * PER_RANK, losses, norms);
        Map<String, Tensor> params = new LinkedHashMap<>();
        m.trainableParameters().forEach((n, p) -> params.put(n, p.value().copy()));
        return new Result(losses, norms, params, Map.of(), 0, 0, 0);
    }

    static Result rank(org.visualchat.parallel.ProcessGroup pg, ZeroConfig config, int accumulation) {
        TinyVisualChat m = new TinyVisualChat();
        Map<String, Tensor> frozenBefore = new LinkedHashMap<>();
        m.namedParameters().forEach((n, p) -> { if (!p.requiresGrad()) frozenBefore.put(n, p.value().copy()); });
        List<Double> losses = new ArrayList<>(), norms = new ArrayList<>();
        long rs = 0, ag = 0;
        try (ZeroEngine zero = new ZeroEngine(pg, m, ZeroTraining.groups(m), AdamW::new, config, m.units())) {
            for (int step = 0; step < STEPS; step++) {
                pg.stats().reset();
                losses.addAll(ZeroTraining.run(pg, zero, m, step, step + 1, accumulation, pg.size() * PER_RANK, norms));
                rs = pg.stats().payloadBytesSent(Collective.REDUCE_SCATTER);
                ag = pg.stats().payloadBytesSent(Collective.ALL_GATHER);
            }
            Map<String, Tensor> frozenAfter = new LinkedHashMap<>();
            m.namedParameters().forEach((n, p) -> { if (!p.requiresGrad()) frozenAfter.put(n, p.value().copy()); });
            frozenBefore.forEach((n, t) -> assertArrayEquals(t.toFloatArray(), frozenAfter.get(n).toFloatArray(), "frozen " + n + " changed"));
            return new Result(losses, norms, zero.fullTrainableParameters(), frozenAfter, rs, ag, zero.maxGatheredUnits());
        }
    }

    @ParameterizedTest(name = "stage {0}, p = {1}, accumulation {2}, prefetch {3}")
    @CsvSource({"0,2,1,0", "0,3,2,0", "1,2,2,0", "1,3,1,0", "2,2,1,0", "2,3,2,0", "3,2,2,1", "3,3,1,0", "3,3,2,2", "3,4,1,1"})
    void matchesSingleProcessTraining(int stage, int world, int accumulation, int prefetch) {
        ZeroConfig config = ZeroConfig.stage(stage).withGradientClipping(ZeroTraining.CLIP).withPrefetchUnits(prefetch).withBucketElements(3000);
        Result ref = reference(world, accumulation);
        List<Object> ranks = LocalRanks.runAll(world, Duration.ofSeconds(30), pg -> rank(pg, config, accumulation));
        long trainable = 0;
        for (Tensor t : ref.params().values()) trainable += t.numel();
        long rsTotal = 0, agTotal = 0;
        for (int r = 0; r < world; r++) {
            Result z = (Result) ranks.get(r);
            for (int i = 0; i < ref.losses().size(); i++) assertEquals(ref.losses().get(i), z.losses().get(i), 1e-5, "loss " + i + " on rank " + r);
            for (int i = 0; i < STEPS; i++) assertEquals(ref.norms().get(i), z.norms().get(i), 1e-5 * ref.norms().get(i), "grad norm " + i);
            for (String n : ref.params().keySet()) {
                float[] want = ref.params().get(n).toFloatArray(), got = z.params().get(n).toFloatArray();
                for (int i = 0; i < want.length; i++) assertEquals(want[i], got[i], TOL, n + "[" + i + "] on rank " + r);
            }
            rsTotal += z.rsBytes();
            agTotal += z.agBytes();
            if (stage == 3) assertTrue(z.maxGathered() <= 1 + prefetch, "gathered units at once: " + z.maxGathered());
        }
        // distributed.md §1.2: summed over ranks, a reduce-scatter or all-gather of Ψ elements sends (p−1)·Ψ elements.
        long perCollective = (long) (world - 1) * trainable * 4;
        switch (stage) {
            case 0 -> assertEquals(0, rsTotal + agTotal, "stage 0 all-reduces");
            case 1 -> { assertEquals(perCollective, rsTotal); assertEquals(perCollective, agTotal); }
            case 2 -> { assertEquals(accumulation * perCollective, rsTotal); assertEquals(perCollective, agTotal); }
            default -> { assertEquals(accumulation * perCollective, rsTotal); assertEquals(2L * accumulation * perCollective, agTotal); }
        }
    }

    @ParameterizedTest(name = "stage {0}, p = {1}, frozen {2}")
    @CsvSource({"1,3,REPLICATED", "2,2,REPLICATED", "3,3,PARTITIONED"})
    void bf16WeightsTrainFromShardedF32Masters(int stage, int world, ZeroConfig.Frozen frozen) {
        TinyVisualChat ref = new TinyVisualChat().inBf16();
        AdamW opt = new AdamW(ZeroTraining.groups(ref));
        int batch = world * PER_RANK;
        ZeroTraining.singleProcess(ref, opt, STEPS, 1, batch, null, null);
        Map<String, Tensor> refState = opt.state().tensors();
        ZeroConfig config = ZeroConfig.stage(stage).withGradientClipping(ZeroTraining.CLIP).withFrozen(frozen);
        List<Object> ranks = LocalRanks.runAll(world, Duration.ofSeconds(30), pg -> {
            TinyVisualChat m = new TinyVisualChat().inBf16();
            try (ZeroEngine zero = new ZeroEngine(pg, m, ZeroTraining.groups(m), AdamW::new, config, m.units())) {
                ZeroTraining.run(pg, zero, m, 0, STEPS, 1, batch, null);
                Map<String, Tensor> out = new LinkedHashMap<>(zero.fullTrainableParameters());
                if (stage < 3) out.put("bf16 projection.weight", m.projection.weight().value().copy());
                return out;
            }
        });
        @SuppressWarnings("unchecked")
        Map<String, Tensor> got = (Map<String, Tensor>) ranks.get(world - 1);
        ref.trainableParameters().forEach((n, p) -> {
            Tensor want = refState.containsKey(n + ".master") ? refState.get(n + ".master") : p.value();
            float[] w = want.toFloatArray(), g = got.get(n).toFloatArray();
            for (int i = 0; i < w.length; i++) assertEquals(w[i], g[i], TOL, n + "[" + i + "]");
        });
        if (stage < 3) {   // the replicated BF16 weight is the master rounded to nearest-even
            assertArrayEquals(got.get("projection.weight").to(org.visualchat.tensor.DType.BF16).toFloatArray(),
                    got.get("bf16 projection.weight").toFloatArray());
        }
    }
}
