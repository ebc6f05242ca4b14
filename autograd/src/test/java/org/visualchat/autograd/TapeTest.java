package org.visualchat.autograd;

import org.junit.jupiter.api.Test;
import org.visualchat.tensor.Tensor;
import org.visualchat.tensor.ops.Elementwise;

import java.util.List;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.visualchat.autograd.GradCheck.check;
import static org.visualchat.autograd.GradCheck.randn;

class TapeTest {
    @Test
    void gradientsAccumulateAcrossBackwardCallsUntilZeroed() {
        Variable w = Variable.parameter(Tensor.of(new float[] {1, 2, 3}, 3));
        Variable x = Variable.of(Tensor.of(new float[] {4, 5, 6}, 3));
        Reductions.sum(Arith.mul(w, x)).backward();
        Reductions.sum(Arith.mul(w, x)).backward();
        assertArrayEquals(new float[] {8, 10, 12}, w.grad().toFloatArray());
        w.zeroGrad();
        assertNull(w.grad());
        Reductions.sum(Arith.mul(w, x)).backward();
        assertArrayEquals(new float[] {4, 5, 6}, w.grad().toFloatArray());
    }

    @Test
    void graphIsFreedAfterBackward() {
        Variable w = Variable.parameter(randn(1, 2, 2));
        Variable h = Activations.tanh(w);
        Variable loss = Reductions.sum(h);
        loss.backward();
        assertThrows(IllegalStateException.class, loss::backward);
        assertNull(h.grad(), "intermediate gradients are dropped");
        assertFalse(h.isLeaf());
    }

    @Test
    void noGradRecordsNothing() {
        Variable w = Variable.parameter(randn(2, 3));
        Variable y;
        try (NoGrad ignored = NoGrad.enter()) {
            try (NoGrad nested = NoGrad.enter()) {
                assertFalse(NoGrad.isRecording());
            }
            assertFalse(NoGrad.isRecording());
            y = Activations.exp(w);
        }
        assertTrue(NoGrad.isRecording());
        assertFalse(y.requiresGrad());
        assertTrue(y.isLeaf());
        assertThrows(IllegalStateException.class, y::backward);
    }

    @Test
    void constantsGetNoGradient() {
        Variable c = Variable.of(randn(3, 4));
        Variable w = Variable.parameter(randn(4, 4));
        Reductions.sum(Arith.mul(c, w)).backward();
        assertNull(c.grad());
        assertArrayEquals(c.value().toFloatArray(), w.grad().toFloatArray());
    }

    @Test
    void deepChainDoesNotOverflowTheStack() {
        Variable w = Variable.parameter(Tensor.scalar(1f));
        Variable h = w;
        for (int i = 0; i < 20_000; i++) h = Arith.add(h, 0f);
        h.backward();
        assertArrayEquals(new float[] {1f}, w.grad().toFloatArray());
    }

    @Test
    void checkpointedBlockGivesTheSameGradients() {
        Tensor w0 = randn(5, 4, 4), x0 = randn(6, 3, 4);
        Variable w1 = Variable.parameter(w0), x1 = Variable.parameter(x0);
        Variable w2 = Variable.parameter(w0), x2 = Variable.parameter(x0);
        Function<Variable, Function<Variable[], Variable>> block =
                w -> in -> Activations.tanh(Products.linear(in[0], w, null));
        Reductions.sum(Activations.square(block.apply(w1).apply(new Variable[] {x1}))).backward();
        Reductions.sum(Activations.square(Recompute.checkpoint(block.apply(w2), List.of(w2), x2))).backward();
        assertArrayEquals(w1.grad().toFloatArray(), w2.grad().toFloatArray(), 1e-6f);
        assertArrayEquals(x1.grad().toFloatArray(), x2.grad().toFloatArray(), 1e-6f);
        check("checkpoint", v -> Recompute.checkpoint(in -> Activations.tanh(Products.linear(in[0], v[1], null)), List.of(v[1]), v[0]), x0, w0);
    }

    @Test
    void theHarnessRejectsAWrongBackwardRule() {
        // d(x²) claimed to be x instead of 2x: the check must fail.
        AssertionError e = assertThrows(AssertionError.class, () -> check("wrong", v -> Variable.fromOp(
                Elementwise.mul(v[0].value(), v[0].value()), g -> new Tensor[] {Elementwise.mul(g, v[0].value())}, v[0]), randn(7, 3)));
        assertTrue(e.getMessage().contains("analytic"));
    }
}
