package org.visualchat.nn.optim;

import org.junit.jupiter.api.Test;
import org.visualchat.autograd.Variable;
import org.visualchat.tensor.HalfFloats;
import org.visualchat.tensor.Tensor;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LossScalerTest {
    static final float F16_MAX = 65504f;

    /** A parameter whose (scaled) gradient has {@code g} as its largest element. */
    static Variable withGrad(float g) {
        Variable p = Variable.parameter(Tensor.zeros(3));
        p.setGrad(Tensor.of(new float[] {g, -0.5f, 2e-8f}, 3));
        return p;
    }

    /** One iteration: true if the step was taken. */
    static boolean iterate(LossScaler s, boolean overflow) {
        return s.unscaleOrSkip(List.of(withGrad(overflow ? 1e6f : 1f), withGrad(0.25f)));
    }

    @Test
    void overflowSkipsTheStepAndHalvesTheScaleOnceHysteresisIsUsedUp() {
        LossScaler s = new LossScaler(new LossScaler.Settings(65536, 3, 2, 1));
        Variable big = withGrad(F16_MAX * 1.01f);                               // finite in F32, inf once rounded to F16
        Tensor before = big.grad();
        assertFalse(s.unscaleOrSkip(List.of(withGrad(1f), big)), "overflow: skip");
        assertSame(before, big.grad(), "gradients of a skipped step are left alone");
        assertEquals(65536, s.scale(), "hysteresis 2: the first overflow only uses it up");
        assertFalse(iterate(s, true));
        assertEquals(32768, s.scale(), "second overflow halves");
        assertFalse(iterate(s, true));
        assertEquals(16384, s.scale(), "hysteresis stays used up until the scale grows again");
        assertEquals(3, s.skippedSteps());
        // Window 3: the scale doubles after 3 clean iterations since the last overflow, restoring hysteresis.
        assertTrue(iterate(s, false));
        assertTrue(iterate(s, false));
        assertEquals(16384, s.scale());
        assertTrue(iterate(s, false));
        assertEquals(32768, s.scale());
        assertFalse(iterate(s, true));
        assertEquals(32768, s.scale(), "hysteresis is back");
        assertFalse(iterate(s, true));
        assertEquals(16384, s.scale());
    }

    @Test
    void anOverflowOnAnotherRankSkipsHereToo() {
        LossScaler s = new LossScaler(new LossScaler.Settings(65536, 3, 1, 1));
        Variable clean = withGrad(1f);
        Tensor before = clean.grad();
        boolean[] askedWith = new boolean[1];
        assertFalse(s.unscaleOrSkip(List.of(clean), here -> { askedWith[0] = here; return true; }), "another rank overflowed: skip");
        assertFalse(askedWith[0], "this rank's own gradients are finite");
        assertSame(before, clean.grad(), "not unscaled");
        assertEquals(32768, s.scale(), "the scale moves as on the rank that overflowed");
        assertTrue(s.unscaleOrSkip(List.of(clean), here -> here), "no rank overflowed: take");
        assertEquals(1f / 32768, clean.grad().toFloatArray()[0]);
    }

    @Test
    void cleanRunsGrowTheScaleEveryWindowFromTheStart() {
        LossScaler s = new LossScaler(LossScaler.Settings.deepSpeed().withWindow(4));
        double[] expected = {65536, 65536, 65536, 131072, 131072, 131072, 131072, 262144};
        for (double e : expected) {
            assertTrue(iterate(s, false));
            assertEquals(e, s.scale());
        }
    }

    @Test
    void cleanGradientsAreRoundedToF16ThenUnscaled() {
        LossScaler s = new LossScaler(new LossScaler.Settings(1024, 1000, 2, 1));
        Variable p = withGrad(1000.3f);
        assertTrue(s.unscaleOrSkip(List.of(p)));
        float[] g = p.grad().toFloatArray();
        assertEquals(HalfFloats.f16ToFloat(HalfFloats.floatToF16(1000.3f)) / 1024, g[0], 0f);
        assertEquals(-0.5f / 1024, g[1], 0f);
        assertEquals(0f, g[2], 0f, "2e-8 underflows F16: what the loss scale exists to prevent");
    }

    @Test
    void overflowAtTheMinimumScaleIsAnErrorAndNaNCountsAsOverflow() {
        LossScaler s = new LossScaler(new LossScaler.Settings(2, 1000, 1, 1));
        assertFalse(s.unscaleOrSkip(List.of(withGrad(Float.NaN))));
        assertEquals(1, s.scale());
        var e = assertThrows(IllegalStateException.class, () -> iterate(s, true));
        assertTrue(e.getMessage().contains("minimum loss scale"), e.getMessage());
    }

    @Test
    void stateRoundTripsAndMissingKeysAreNamed() {
        LossScaler a = new LossScaler(new LossScaler.Settings(65536, 2, 2, 1));
        for (boolean overflow : new boolean[] {false, true, true, false}) iterate(a, overflow);
        LossScaler b = new LossScaler(new LossScaler.Settings(65536, 2, 2, 1));
        b.load(a.state());
        assertEquals(a.state(), b.state());
        for (boolean overflow : new boolean[] {false, true, false, false, true}) {
            assertEquals(iterate(a, overflow), iterate(b, overflow));
            assertEquals(a.scale(), b.scale());
        }
        var e = assertThrows(IllegalArgumentException.class, () -> b.load(java.util.Map.of("loss_scale", 1L)));
        assertTrue(e.getMessage().contains("loss_scale_"), e.getMessage());
    }
}
