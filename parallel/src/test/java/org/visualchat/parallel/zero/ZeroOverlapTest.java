package org.visualchat.parallel.zero;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.visualchat.autograd.Variable;
import org.visualchat.nn.optim.AdamW;
import org.visualchat.parallel.Collective;
import org.visualchat.parallel.LocalRanks;
import org.visualchat.parallel.ProcessGroup;
import org.visualchat.tensor.Tensor;

/**
 * {@link ZeroConfig#overlapComm()}: gradient buckets reduced during backward give the same bits as reducing
 * after it, and the first reduction really starts while backward is still running (shown by event order:
 * an op early in the forward graph refuses to finish its backward until this rank has sent reduce bytes).
 */
class ZeroOverlapTest {
    /** Buckets of 3000 elements: [projection], [embedding], [mlp0]; reduced last layer first. */
    static ZeroConfig config(int stage, boolean overlap) {
        return ZeroConfig.stage(stage).withGradientClipping(ZeroTraining.CLIP).withBucketElements(3000).withOverlapComm(overlap);
    }

    @ParameterizedTest(name = "stage {0}, p = {1}, accumulation {2}")
    @CsvSource({"0,2,2", "1,3,2", "2,2,1", "2,3,2"})
    void sameBitsAsReducingAfterBackward(int stage, int world, int accumulation) {
        List<Object> plain = LocalRanks.runAll(world, Duration.ofSeconds(30), pg -> ZeroParityTest.rank(pg, config(stage, false), accumulation));
        List<Object> overlapped = LocalRanks.runAll(world, Duration.ofSeconds(30), pg -> ZeroParityTest.rank(pg, config(stage, true), accumulation));
        for (int r = 0; r < world; r++) {
            ZeroParityTest.Result a = (ZeroParityTest.Result) plain.get(r), b = (ZeroParityTest.Result) overlapped.get(r);
            assertEquals(a.losses(), b.losses(), "losses on rank " + r);
            assertEquals(a.norms(), b.norms(), "grad norms on rank " + r);
            for (String n : a.params().keySet()) assertArrayEquals(a.params().get(n).toFloatArray(), b.params().get(n).toFloatArray(), n + " on rank " + r);
            assertEquals(a.rsBytes(), b.rsBytes(), "reduce-scatter bytes: overlap changes when, not what");
            assertEquals(a.agBytes(), b.agBytes());
        }
    }

    @ParameterizedTest(name = "stage {0}")
    @ValueSource(ints = {0, 1, 2})
    void theFirstBucketIsReducedBeforeBackwardEnds(int stage) {
        List<Object> ranks = LocalRanks.runAll(2, Duration.ofSeconds(30), pg -> {
            TinyVisualChat m = new TinyVisualChat();
            try (ZeroEngine zero = new ZeroEngine(pg, m, ZeroTraining.groups(m), AdamW::new, config(stage, true), m.units())) {
                pg.stats().reset();
                boolean[] seen = new boolean[1];
                // The projection's output is consumed before mlp0 in forward, so its backward comes after mlp0's
                // gradients are complete and before the projection's own: mlp0's bucket must already be on the wire.
                TinyVisualChat.Runner probed = (unit, input, body) -> {
                    Variable out = zero.forward(unit, input, body);
                    return unit != m.projection ? out : Variable.fromOp(out.value(), g -> {
                        seen[0] = awaitReduceBytes(pg, stage == 0 ? Collective.ALL_REDUCE : Collective.REDUCE_SCATTER);
                        return new Tensor[] {g};
                    }, out);
                };
                int per = 3, first = pg.rank() * per;
                Variable loss = m.loss(probed, TinyVisualChat.pixels(0, first, per), TinyVisualChat.ids(0, first, per, 0), TinyVisualChat.ids(0, first, per, 1));
                zero.backward(loss, true);
                zero.step();
                return seen[0];
            }
        });
        for (Object seen : ranks) assertTrue((Boolean) seen, "no gradient reduction had started when backward reached the projection");
    }

    /** Event order, not timing: waits (bounded) until this rank has sent payload for {@code op}. */
    private static boolean awaitReduceBytes(ProcessGroup pg, Collective op) {
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (System.nanoTime() < deadline) {
            if (pg.stats().payloadBytesSent(op) > 0) return true;
            try {
                Thread.sleep(1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return false;
    }

    @Test
    void backwardAfterTheReducedLastMicroStepIsAnError() {
        List<Object> ranks = LocalRanks.runAll(2, Duration.ofSeconds(30), pg -> {
            TinyVisualChat m = new TinyVisualChat();
            try (ZeroEngine zero = new ZeroEngine(pg, m, ZeroTraining.groups(m), AdamW::new, config(1, true), m.units())) {
                int first = pg.rank() * 3;
                zero.backward(m.loss(zero::forward, TinyVisualChat.pixels(0, first, 3), TinyVisualChat.ids(0, first, 3, 0), TinyVisualChat.ids(0, first, 3, 1)), true);
                Variable again = m.loss(zero::forward, TinyVisualChat.pixels(1, first, 3), TinyVisualChat.ids(1, first, 3, 0), TinyVisualChat.ids(1, first, 3, 1));
                return assertThrows(IllegalStateException.class, () -> zero.backward(again)).getMessage();
            }
        });
        assertTrue(((String) ranks.get(0)).contains("call step() first"), ranks.get(0).toString());
    }
}
