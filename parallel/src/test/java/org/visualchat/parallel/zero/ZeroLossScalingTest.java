package org.visualchat.parallel.zero;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.visualchat.autograd.Arith;
import org.visualchat.autograd.Variable;
import org.visualchat.nn.optim.AdamW;
import org.visualchat.nn.optim.LossScaler;
import org.visualchat.parallel.LocalRanks;
import org.visualchat.parallel.ProcessGroup;
import org.visualchat.parallel.ReduceOp;
import org.visualchat.tensor.DType;
import org.visualchat.tensor.Tensor;

/**
 * fp16 dynamic loss scaling through {@link ZeroEngine#step(java.util.function.Predicate)}, as DeepSpeed's fp16
 * optimizers: an overflow that only one rank sees (from stage 1 on each rank checks only its own gradient shards)
 * makes every rank skip the step and halve the scale alike, and the next step is taken identically everywhere.
 * The trainable parameters are F16, so stage 3 also gathers F16 slices.
 */
class ZeroLossScalingTest {
    /** DeepSpeed's settings with hysteresis 1, so the first overflow already halves the scale. */
    static final LossScaler.Settings SETTINGS = new LossScaler.Settings(65536, 1000, 1, 1);

    record Result(double skippedNorm, double takenNorm, double scaleAfterSkip, double scaleAfterStep, long skipped,
                  Map<String, Tensor> before, Map<String, Tensor> afterSkip, Map<String, Tensor> afterStep, DType dtype) {}

    static Result rank(ProcessGroup pg, int stage) {
        TinyVisualChat m = new TinyVisualChat();
        m.trainableParameters().values().forEach(p -> p.setValue(p.value().to(DType.F16)));
        LossScaler scaler = new LossScaler(SETTINGS);
        try (ZeroEngine zero = new ZeroEngine(pg, m, ZeroTraining.groups(m), AdamW::new, ZeroConfig.stage(stage).withGradientClipping(ZeroTraining.CLIP), m.units())) {
            Map<String, Tensor> before = zero.fullTrainableParameters();
            backward(pg, zero, m, scaler, 0);
            if (pg.rank() == 1) injectOverflow(zero, m, stage);
            double skippedNorm = step(zero, scaler);
            double scaleAfterSkip = scaler.scale();
            Map<String, Tensor> afterSkip = zero.fullTrainableParameters();
            backward(pg, zero, m, scaler, 1);
            double takenNorm = step(zero, scaler);
            DType dtype = m.projection.weight().value().dtype();
            return new Result(skippedNorm, takenNorm, scaleAfterSkip, scaler.scale(), scaler.skippedSteps(), before, afterSkip,
                    zero.fullTrainableParameters(), dtype);
        }
    }

    private static void backward(ProcessGroup pg, ZeroEngine zero, TinyVisualChat m, LossScaler scaler, long micro) {
        int per = 3, first = pg.rank() * per;
        Variable loss = m.loss(zero::forward, TinyVisualChat.pixels(micro, first, per), TinyVisualChat.ids(micro, first, per, 0),
                TinyVisualChat.ids(micro, first, per, 1));
        zero.backward(Arith.mul(loss, (float) scaler.scale()), true);
    }

    /** The overflow flag agreed over ranks with a MAX all-reduce, as the trainer does. */
    private static double step(ZeroEngine zero, LossScaler scaler) {
        return zero.step(grads -> scaler.unscaleOrSkip(grads, overflow -> zero.allReduce(overflow ? 1f : 0f, ReduceOp.MAX) > 0));
    }

    /**
     * An infinity on this rank only. Stage 0 keeps whole gradients until the step (its all-reduce then spreads it);
     * from stage 1 on it goes into this rank's own gradient shard, which no other rank ever sees.
     */
    private static void injectOverflow(ZeroEngine zero, TinyVisualChat m, int stage) {
        if (stage == 0) {
            Variable p = m.projection.weight();
            float[] g = p.grad().toFloatArray();
            g[0] = Float.POSITIVE_INFINITY;
            p.setGrad(Tensor.of(g, p.grad().shape()));
            return;
        }
        Slot s = zero.slots().values().stream().filter(x -> x.trainable && x.count > 0).findFirst().orElseThrow();
        float[] g = s.gradShard.toFloatArray();
        g[0] = Float.POSITIVE_INFINITY;
        s.gradShard = Tensor.of(g, s.gradShard.shape());
    }

    @ParameterizedTest(name = "stage {0}")
    @ValueSource(ints = {0, 1, 2, 3})
    void anOverflowOnOneRankSkipsTheStepOnEveryRankWithTheSameNewScale(int stage) {
        List<Object> ranks = LocalRanks.runAll(2, Duration.ofSeconds(30), pg -> rank(pg, stage));
        Result r0 = (Result) ranks.get(0), r1 = (Result) ranks.get(1);
        for (Result r : List.of(r0, r1)) {
            assertTrue(Double.isNaN(r.skippedNorm()), "the step with the overflow is skipped: norm " + r.skippedNorm());
            assertEquals(32768, r.scaleAfterSkip(), "the scale halves (hysteresis 1)");
            assertEquals(1, r.skipped());
            assertSame(r.before(), r.afterSkip(), "a skipped step changes no parameter");
            assertFalse(Double.isNaN(r.takenNorm()), "the next step is taken");
            assertEquals(32768, r.scaleAfterStep(), "one clean step does not grow the scale (window 1000)");
            assertTrue(r.takenNorm() < 10, "the norm is of unscaled gradients: " + r.takenNorm());
            if (stage < 3) assertEquals(DType.F16, r.dtype(), "parameters stay F16");   // stage 3 holds only slices between uses
        }
        assertEquals(r0.takenNorm(), r1.takenNorm(), "the global norm");
        assertSame(r0.afterStep(), r1.afterStep(), "both ranks took the same step");
        assertFalse(java.util.Arrays.equals(r0.before().get("projection.weight").toFloatArray(), r0.afterStep().get("projection.weight").toFloatArray()),
                "the taken step changed the parameters");
    }

    private static void assertSame(Map<String, Tensor> want, Map<String, Tensor> got, String message) {
        assertEquals(want.keySet(), got.keySet());
        for (String n : want.keySet()) assertArrayEquals(want.get(n).toFloatArray(), got.get(n).toFloatArray(), message + ": " + n);
    }
}
