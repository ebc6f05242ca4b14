package org.visualchat.autograd;

import org.visualchat.tensor.Tensor;
import org.visualchat.tensor.ops.Unary;

import java.util.function.UnaryOperator;

/**
 * Differentiable unary functions. Each backward rule is the local derivative written in terms of the
 * input x and/or the saved output y (e.g. exp' = y, tanh' = 1 − y², sigmoid' = y(1 − y)), applied to
 * the output gradient in one fused pass.
 */
public final class Activations {
    private Activations() {}

    private static final double INV_SQRT2 = 1 / Math.sqrt(2);
    private static final double INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);
    private static final double SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
    private static final float QUICK_GELU_K = 1.702f;

    public static Variable exp(Variable x) { return unary(x, Unary::exp, (a, y, g) -> g * y); }

    public static Variable log(Variable x) { return unary(x, Unary::log, (a, y, g) -> g / a); }

    public static Variable sqrt(Variable x) { return unary(x, Unary::sqrt, (a, y, g) -> 0.5f * g / y); }

    /** y = x^(−1/2), y' = −½·x^(−3/2) = −½·y³. */
    public static Variable rsqrt(Variable x) { return unary(x, Unary::rsqrt, (a, y, g) -> -0.5f * g * y * y * y); }

    public static Variable tanh(Variable x) { return unary(x, Unary::tanh, (a, y, g) -> g * (1 - y * y)); }

    public static Variable sigmoid(Variable x) { return unary(x, Unary::sigmoid, (a, y, g) -> g * y * (1 - y)); }

    /** silu = x·σ(x); silu' = σ(x)·(1 + x·(1 − σ(x))), one vector pass ({@link Unary#siluBackward}: LLaMA's MLP runs it per layer). */
    public static Variable silu(Variable x) {
        return Variable.fromOp(Unary.silu(x.value()), g -> new Tensor[] {Unary.siluBackward(x.value(), g)}, x);
    }

    public static Variable relu(Variable x) { return unary(x, Unary::relu, (a, y, g) -> a > 0 ? g : 0f); }

    public static Variable neg(Variable x) { return Variable.fromOp(Unary.neg(x.value()), g -> new Tensor[] {Unary.neg(g)}, x); }

    /** |x|' = sign(x), taken as 0 at 0 (PyTorch's choice). */
    public static Variable abs(Variable x) { return unary(x, Unary::abs, (a, y, g) -> a > 0 ? g : a < 0 ? -g : 0f); }

    public static Variable square(Variable x) { return unary(x, Unary::square, (a, y, g) -> 2 * a * g); }

    /** Exact GELU x·Φ(x); derivative Φ(x) + x·φ(x) with φ the standard normal density. */
    public static Variable gelu(Variable x) {
        return unary(x, Unary::gelu, (a, y, g) -> {
            double cdf = 0.5 * (1 + Pointwise.erf(a * INV_SQRT2));
            double pdf = INV_SQRT_2PI * Math.exp(-0.5 * a * a);
            return (float) (g * (cdf + a * pdf));
        });
    }

    /** Tanh GELU ½x(1 + tanh u), u = √(2/π)(x + 0.044715x³); derivative ½(1 + t) + ½x(1 − t²)·u'. */
    public static Variable geluTanh(Variable x) {
        return unary(x, Unary::geluTanh, (a, y, g) -> {
            double u = SQRT_2_OVER_PI * (a + 0.044715 * a * a * a);
            double t = Math.tanh(u);
            double du = SQRT_2_OVER_PI * (1 + 3 * 0.044715 * a * a);
            return (float) (g * (0.5 * (1 + t) + 0.5 * a * (1 - t * t) * du));
        });
    }

    /** CLIP's x·σ(1.702x); derivative σ(kx) + kx·σ(kx)(1 − σ(kx)). */
    public static Variable quickGelu(Variable x) {
        return unary(x, Unary::quickGelu, (a, y, g) -> {
            float s = sigmoid(QUICK_GELU_K * a);
            return g * (s + QUICK_GELU_K * a * s * (1 - s));
        });
    }

    private static float sigmoid(float v) {
        return (float) (1 / (1 + Math.exp(-v)));
    }

    private static Variable unary(Variable x, UnaryOperator<Tensor> forward, Pointwise.Rule rule) {
        Tensor y = forward.apply(x.value());
        return Variable.fromOp(y, g -> new Tensor[] {Pointwise.map(x.value(), y, g, rule)}, x);
    }
}
