package org.visualchat.autograd;

import org.junit.jupiter.api.Test;
import org.visualchat.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** {@link Variable#onGradientReady}: once per pass, with the complete gradient, as soon as the last consumer is done. */
class GradientReadyHookTest {
    /** An identity op whose backward appends {@code name} to {@code events}: marks how far backward has got. */
    private static Variable probe(Variable x, String name, List<String> events) {
        return Variable.fromOp(x.value(), g -> {
            events.add(name);
            return new Tensor[] {g};
        }, x);
    }

    @Test
    void firesOncePerPassWithTheCompleteGradientBeforeBackwardEnds() {
        List<String> events = new ArrayList<>();
        List<float[]> early = new ArrayList<>();
        Variable x = Variable.of(Tensor.of(new float[] {1, -2, 3}, 3));
        Variable shared = Variable.parameter(Tensor.of(new float[] {0.5f, 1, -1}, 3));   // used twice, near the input
        Variable last = Variable.parameter(Tensor.of(new float[] {2, 3, 4}, 3));          // used once, near the loss
        Variable unused = Variable.parameter(Tensor.of(new float[] {7}, 1));
        shared.onGradientReady(v -> { events.add("shared"); early.add(v.grad().toFloatArray()); });
        last.onGradientReady(v -> events.add("last"));
        unused.onGradientReady(v -> events.add("unused"));

        for (int pass = 0; pass < 2; pass++) {
            Variable h = Arith.add(Arith.mul(x, shared), Arith.mul(shared, shared));      // three contributions to shared
            h = probe(h, "middle", events);
            Reductions.sum(Arith.mul(h, last)).backward();
        }
        // last is complete before backward reaches the middle; shared only after all its consumers.
        assertEquals(List.of("last", "middle", "shared", "last", "middle", "shared"), events);
        float[] finalGrad = shared.grad().toFloatArray();
        // d/dshared Σ last·(x·s + s²) = last·(x + 2s), accumulated over two passes.
        assertArrayEquals(new float[] {2 * 2 * (1 + 1), 2 * 3 * (-2 + 2), 2 * 4 * (3 - 2)}, finalGrad, 1e-6f);
        assertArrayEquals(new float[] {2 * (1 + 1), 3 * (-2 + 2), 4 * (3 - 2)}, early.get(0), 1e-6f, "first pass: its complete gradient");
        assertArrayEquals(finalGrad, early.get(1), "second pass: the accumulated gradient");
    }

    @Test
    void aLeafRootAndARemovedHook() {
        List<String> events = new ArrayList<>();
        Variable w = Variable.parameter(Tensor.of(new float[] {3}, 1));
        w.onGradientReady(v -> events.add("w"));
        w.backward();
        assertEquals(List.of("w"), events);
        w.onGradientReady(null);
        Reductions.sum(Arith.mul(w, w)).backward();
        assertEquals(List.of("w"), events);
    }
}
