package org.visualchat.tensor.ops;

import org.junit.jupiter.api.Test;
import org.visualchat.tensor.Tensor;

import java.util.function.BinaryOperator;
import java.util.function.DoubleBinaryOperator;
import java.util.function.DoubleUnaryOperator;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.*;
import static org.visualchat.tensor.ops.OpsTesting.*;

class UnaryTest {
    private static double sigmoid(double x) { return 1 / (1 + Math.exp(-x)); }

    /** op vs ref on values in [lo, hi) for every awkward length and layout. */
    private static void check(String name, UnaryOperator<Tensor> op, DoubleUnaryOperator ref, float lo, float hi, double rtol, double atol) {
        for (int n : AWKWARD) {
            Tensor x0 = Tensor.uniform(n, lo, hi, 3, n);
            for (Case c : layouts(x0)) {
                double[] x = values(c.tensor()), e = new double[x.length];
                for (int i = 0; i < x.length; i++) e[i] = ref.applyAsDouble(x[i]);
                assertClose(e, x0.shape(), op.apply(c.tensor()), rtol, atol, name + " " + c + " n=" + n);
            }
        }
    }

    @Test void exp() { check("exp", Unary::exp, Math::exp, -20, 20, 2e-7, 0); }
    // The whole float range: results down to subnormals (absolute error under one subnormal step) and up to MAX_VALUE.
    @Test void expOverTheFloatRange() { check("exp, full range", Unary::exp, Math::exp, -104, 88.72f, 2e-7, 1.5e-45); }
    @Test void log() { check("log", Unary::log, Math::log, 1e-3f, 100, 2e-7, 1e-7); }
    @Test void sqrt() { check("sqrt", Unary::sqrt, Math::sqrt, 0, 100, 1e-7, 0); }
    @Test void rsqrt() { check("rsqrt", Unary::rsqrt, x -> 1 / Math.sqrt(x), 1e-3f, 100, 2e-7, 0); }
    @Test void tanh() { check("tanh", Unary::tanh, Math::tanh, -10, 10, 2e-7, 1e-8); }
    @Test void sigmoid() { check("sigmoid", Unary::sigmoid, UnaryTest::sigmoid, -30, 30, 3e-7, 0); }
    @Test void silu() { check("silu", Unary::silu, x -> x * sigmoid(x), -30, 30, 3e-7, 1e-12); }
    /** A two-input op: x on [−30, 30) in every layout, y a contiguous operand of the same shape, vs ref(x, y). */
    private static void checkWithSecondOperand(String name, BinaryOperator<Tensor> op, DoubleBinaryOperator ref, double rtol, double atol) {
        for (int n : AWKWARD) {
            Tensor x0 = Tensor.uniform(n, -30, 30, 3, n), y = randn(n + 1, 3, n);
            double[] w = values(y);
            for (Case c : layouts(x0)) {
                double[] x = values(c.tensor()), e = new double[x.length];
                for (int i = 0; i < x.length; i++) e[i] = ref.applyAsDouble(x[i], w[i]);
                assertClose(e, x0.shape(), op.apply(c.tensor(), y), rtol, atol, name + " " + c + " n=" + n);
            }
        }
        assertThrows(IllegalArgumentException.class, () -> op.apply(randn(1, 2, 3), randn(2, 3, 2)));
    }

    // Near x ≈ −1.28, where silu' = 0, the bracket cancels: an absolute error of a few float ulps of |dy|.
    @Test void siluBackward() { checkWithSecondOperand("siluBackward", Unary::siluBackward, (x, dy) -> dy * sigmoid(x) * (1 + x * (1 - sigmoid(x))), 1e-5, 1e-6); }

    @Test
    void siluMul() {
        checkWithSecondOperand("siluMul", Unary::siluMul, (g, u) -> g * sigmoid(g) * u, 5e-7, 1e-12);
        Tensor gate = Tensor.uniform(3, -30, 30, 5, 1000).transpose(0, 1), up = randn(4, 1000, 5);
        assertArrayEquals(Elementwise.mul(Unary.silu(gate), up).toFloatArray(), Unary.siluMul(gate, up).toFloatArray(), "one pass = silu then mul, bit for bit");
    }

    @Test void relu() { check("relu", Unary::relu, x -> Math.max(x, 0), -5, 5, 0, 0); }
    @Test void neg() { check("neg", Unary::neg, x -> -x, -5, 5, 0, 0); }
    @Test void abs() { check("abs", Unary::abs, Math::abs, -5, 5, 0, 0); }
    @Test void square() { check("square", Unary::square, x -> x * x, -5, 5, 1e-7, 0); }
    @Test void gelu() { check("gelu", Unary::gelu, x -> 0.5 * x * erfc(-x / Math.sqrt(2)), -12, 12, 1e-6, 1e-30); }
    // 1.702·x is rounded before the exponential, whose condition number there is |1.702·x|: 1e-6 at |x| ≈ 10.
    @Test void quickGelu() { check("quickGelu", Unary::quickGelu, x -> x * sigmoid(1.702 * x), -10, 10, 1e-6, 1e-12); }
    @Test void erf() { check("erf", Unary::erf, OpsTesting::erf, -6, 6, 3e-7, 0); }

    @Test
    void geluTanh() {
        double k = Math.sqrt(2 / Math.PI);
        // tanh saturates to ±1 in float, so for x ≪ 0 the result is a difference of nearly equal
        // numbers: the absolute tolerance covers that (PyTorch's float kernel behaves the same).
        check("geluTanh", Unary::geluTanh, x -> 0.5 * x * (1 + Math.tanh(k * (x + 0.044715 * x * x * x))), -10, 10, 1e-6, 1e-6);
    }

    @Test
    void erfAndGeluAreAccurateOnADenseSweep() {
        int n = 200_001;
        float[] xs = new float[n];
        for (int i = 0; i < n; i++) xs[i] = -10f + 20f * i / (n - 1);
        Tensor x = Tensor.of(xs, n);
        float[] erf = Unary.erf(x).toFloatArray(), gelu = Unary.gelu(x).toFloatArray();
        double worstErf = 0, worstGelu = 0;
        for (int i = 0; i < n; i++) {
            double e = OpsTesting.erf(xs[i]);
            if (e != 0) worstErf = Math.max(worstErf, Math.abs(erf[i] - e) / Math.abs(e));
            double g = 0.5 * xs[i] * erfc(-xs[i] / Math.sqrt(2));
            if (g != 0) worstGelu = Math.max(worstGelu, Math.abs(gelu[i] - g) / Math.abs(g));
        }
        System.out.printf("erf max relative error %.3g, gelu %.3g on [-10, 10]%n", worstErf, worstGelu);
        assertTrue(worstErf < 2.5e-7, "erf max relative error " + worstErf);
        assertTrue(worstGelu < 1e-6, "gelu max relative error " + worstGelu);
    }

    @Test
    void specialValues() {
        Tensor x = Tensor.of(new float[] {Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY, 0f, Float.NaN}, 4);
        assertArrayEquals(new float[] {0, Float.POSITIVE_INFINITY, 1, Float.NaN}, Unary.exp(x).toFloatArray());
        assertArrayEquals(new float[] {-1, 1, 0, Float.NaN}, Unary.erf(x).toFloatArray());
        assertArrayEquals(new float[] {0, 1, 0.5f, Float.NaN}, Unary.sigmoid(x).toFloatArray());
    }
}
