package org.visualchat.nn;

import org.junit.jupiter.api.Test;
import org.visualchat.autograd.Variable;
import org.visualchat.nn.optim.AdamW;
import org.visualchat.nn.optim.GradClip;
import org.visualchat.nn.optim.LrSchedule;
import org.visualchat.nn.optim.ParamGroup;
import org.visualchat.nn.optim.Scheduler;
import org.visualchat.nn.optim.Sgd;
import org.visualchat.tensor.DType;
import org.visualchat.tensor.Tensor;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class OptimizerTest {
    private static ParamGroup group(Variable p, double lr, double wd) {
        return new ParamGroup("g", Map.of("p", p), lr, wd);
    }

    @Test
    void adamWMatchesTheHuggingFaceAlgorithmInDouble() {
        float[] p0 = {0.5f, -1.25f, 2f}, g = {0.1f, -0.3f, 0.02f};
        Variable p = Variable.parameter(Tensor.of(p0, 3));
        AdamW opt = new AdamW(List.of(group(p, 1e-2, 0.1)));
        double[] ref = {p0[0], p0[1], p0[2]}, m = new double[3], v = new double[3];
        for (int t = 1; t <= 3; t++) {
            float[] gt = {g[0] * t, g[1], g[2] / t};
            p.setGrad(Tensor.of(gt, 3));
            opt.step();
            double stepSize = 1e-2 * Math.sqrt(1 - Math.pow(0.95, t)) / (1 - Math.pow(0.9, t));
            for (int i = 0; i < 3; i++) {
                m[i] = 0.9 * m[i] + 0.1 * gt[i];
                v[i] = 0.95 * v[i] + 0.05 * gt[i] * gt[i];
                ref[i] -= stepSize * m[i] / (Math.sqrt(v[i]) + 1e-6);
                ref[i] -= 1e-2 * 0.1 * ref[i];
            }
        }
        float[] got = p.value().toFloatArray();
        for (int i = 0; i < 3; i++) assertEquals(ref[i], got[i], 1e-6);
    }

    @Test
    void sgdWithMomentumMatchesTorch() {
        Variable p = Variable.parameter(Tensor.of(new float[] {1f}, 1));
        Sgd opt = new Sgd(List.of(group(p, 0.1, 0)), 0.9f);
        p.setGrad(Tensor.of(new float[] {1f}, 1));
        opt.step();                       // b = 1, p = 0.9
        p.setGrad(Tensor.of(new float[] {2f}, 1));
        opt.step();                       // b = 0.9 + 2 = 2.9, p = 0.9 − 0.29
        assertEquals(0.61f, p.value().toFloatArray()[0], 1e-6f);
    }

    @Test
    void parametersWithoutGradientAreSkipped() {
        Variable p = Variable.parameter(Tensor.of(new float[] {1f, 2f}, 2));
        new AdamW(List.of(group(p, 1, 0))).step();
        assertArrayEquals(new float[] {1f, 2f}, p.value().toFloatArray());
    }

    @Test
    void globalNormClippingScalesAllGradientsTogether() {
        Variable a = Variable.parameter(Tensor.zeros(2)), b = Variable.parameter(Tensor.zeros(1));
        a.setGrad(Tensor.of(new float[] {3f, 0f}, 2));
        b.setGrad(Tensor.of(new float[] {4f}, 1));
        assertEquals(5.0, GradClip.clipGlobalNorm(List.of(a, b), 1.0), 1e-9);
        assertArrayEquals(new float[] {0.6f, 0f}, a.grad().toFloatArray(), 1e-6f);
        assertArrayEquals(new float[] {0.8f}, b.grad().toFloatArray(), 1e-6f);
        assertEquals(1.0, GradClip.clipGlobalNorm(List.of(a, b), 2.0), 1e-5);
        assertArrayEquals(new float[] {0.8f}, b.grad().toFloatArray(), 1e-6f);
    }

    @Test
    void cosineScheduleWithWarmupRatioMatchesHuggingFace() {
        LrSchedule s = LrSchedule.withWarmup(LrSchedule.Kind.COSINE, 0.1, 100);
        assertEquals(10, s.warmupSteps());
        assertEquals(0.0, s.factor(0));
        assertEquals(0.5, s.factor(5), 1e-12);
        assertEquals(1.0, s.factor(10), 1e-12);
        assertEquals(0.5 * (1 + Math.cos(Math.PI * 45 / 90)), s.factor(55), 1e-12);
        assertEquals(0.0, s.factor(100), 1e-12);
        // Past the end HF's cosine is not clamped: it rises again (progress 4/3 → ½(1 + cos 240°) = 0.25).
        assertEquals(0.25, s.factor(130), 1e-12);
        assertEquals(25, LrSchedule.withWarmup(LrSchedule.Kind.LINEAR, 25, 100).warmupSteps());
        assertEquals(0.5, LrSchedule.withWarmup(LrSchedule.Kind.LINEAR, 0, 100).factor(50), 1e-12);
        assertEquals(1.0, new LrSchedule(LrSchedule.Kind.CONSTANT, 0, 5).factor(4));
    }

    @Test
    void schedulerDrivesEveryGroupFromItsBaseRate() {
        Variable a = Variable.parameter(Tensor.zeros(1)), b = Variable.parameter(Tensor.zeros(1));
        AdamW opt = new AdamW(List.of(new ParamGroup("a", Map.of("a", a), 1e-3, 0), new ParamGroup("b", Map.of("b", b), 1e-2, 0)));
        Scheduler sched = new Scheduler(opt, new LrSchedule(LrSchedule.Kind.COSINE, 4, 20));
        assertEquals(0.0, opt.groups().get(0).lr());
        sched.step();
        sched.step();
        assertEquals(0.5e-3, opt.groups().get(0).lr(), 1e-15);
        assertEquals(0.5e-2, opt.groups().get(1).lr(), 1e-15);
    }

    @Test
    void referenceParameterGroups() {
        Map<String, Variable> params = new java.util.LinkedHashMap<>();
        for (String n : List.of("lang_embed.weight", "projection.0.weight", "projection.0.bias", "projection.1.weight", "vis.LayerNorm.weight")) {
            params.put(n, Variable.parameter(Tensor.zeros(1)));
        }
        List<ParamGroup> groups = ParamGroup.reference(params, 1e-3, 5e-4, 0.01);
        assertEquals(List.of("main", "main-no-decay", "embed"), groups.stream().map(ParamGroup::name).toList());
        assertEquals(List.of("projection.0.weight", "projection.1.weight"), List.copyOf(groups.get(0).params().keySet()));
        assertEquals(List.of("projection.0.bias", "vis.LayerNorm.weight"), List.copyOf(groups.get(1).params().keySet()));
        assertEquals(0.0, groups.get(1).weightDecay());
        assertEquals(5e-4, groups.get(2).baseLr());
    }

    @Test
    void mixedPrecisionKeepsUpdatesTooSmallForBf16() {
        // lr 1e-4 on weights of 1.0: each step moves ~1e-4, below BF16's spacing at 1.0 (2^-7 ≈ 0.0078).
        Variable half = Variable.parameter(Tensor.full(1f, 4).to(DType.BF16));
        Sgd opt = new Sgd(List.of(group(half, 1e-4, 0)), 0f);
        for (int i = 0; i < 100; i++) {
            half.setGrad(Tensor.full(1f, 4));
            opt.step();
        }
        assertEquals(DType.BF16, half.value().dtype());
        // The F32 master reached 0.99; the BF16 value is its rounding (0.98828125 or 0.9921875), not stuck at 1.
        float master = opt.state().tensors().get("p.master").toFloatArray()[0];
        assertEquals(0.99f, master, 1e-5f);
        assertNotEquals(1f, half.value().toFloatArray()[0]);
    }

    @Test
    void readOnlyOrQuantizedParametersAreRejectedClearly() {
        Variable q = Variable.parameter(Tensor.full(1f, 32).to(DType.Q8_0));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new AdamW(List.of(group(q, 1, 0))));
        assertEquals(true, e.getMessage().contains("'p'"));
    }
}
