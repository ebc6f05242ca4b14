package org.visualchat.tensor.ops;

import org.visualchat.tensor.Tensor;

import static org.visualchat.tensor.ops.Pointwise.Map;

/**
 * Element-wise functions of one tensor. Inputs may have any strides and any float dtype; the result
 * is a new contiguous F32 tensor of the same shape. exp is this project's own (Cephes expf from lane-wise
 * arithmetic only, so interpreted and C2-compiled code agree bit for bit); LOG/TANH are the Vector
 * API's lane-wise functions (SVML on x86, about 1 ulp); erf is this project's own fit (see {@link #erf}).
 */
public final class Unary {
    private Unary() {}

    public static Tensor exp(Tensor x) { return Pointwise.map(Map.EXP, x, 0); }
    public static Tensor log(Tensor x) { return Pointwise.map(Map.LOG, x, 0); }
    public static Tensor sqrt(Tensor x) { return Pointwise.map(Map.SQRT, x, 0); }
    /** 1/√x */
    public static Tensor rsqrt(Tensor x) { return Pointwise.map(Map.RSQRT, x, 0); }
    public static Tensor tanh(Tensor x) { return Pointwise.map(Map.TANH, x, 0); }
    /** 1/(1 + e^−x) */
    public static Tensor sigmoid(Tensor x) { return Pointwise.map(Map.SIGMOID, x, 0); }
    /** x·sigmoid(x) (LLaMA's MLP activation) */
    public static Tensor silu(Tensor x) { return Pointwise.map(Map.SILU, x, 0); }
    /** dL/dx of y = silu(x) for dL/dy = {@code dy} (same shape): dy·σ(x)·(1 + x·(1 − σ(x))) in one pass. */
    public static Tensor siluBackward(Tensor x, Tensor dy) {
        return Pointwise.zip(Pointwise.Zip.SILU_BACKWARD, x, sameShape(x, dy, "silu gradient"));
    }
    /**
     * silu(gate)·up (SwiGLU's hidden activation, same shape) in one pass: the same floats as
     * {@code Elementwise.mul(silu(gate), up)} without writing and re-reading the intermediate.
     */
    public static Tensor siluMul(Tensor gate, Tensor up) {
        return Pointwise.zip(Pointwise.Zip.SILU_MUL, gate, sameShape(gate, up, "silu·up operand"));
    }
    private static Tensor sameShape(Tensor x, Tensor other, String what) {
        if (!java.util.Arrays.equals(x.shape(), other.shape())) {
            throw new IllegalArgumentException(what + " " + org.visualchat.tensor.Shapes.toString(other.shape()) + " does not match input " + org.visualchat.tensor.Shapes.toString(x.shape()));
        }
        return other;
    }
    public static Tensor relu(Tensor x) { return Pointwise.map(Map.RELU, x, 0); }
    public static Tensor neg(Tensor x) { return Pointwise.map(Map.NEG, x, 0); }
    public static Tensor abs(Tensor x) { return Pointwise.map(Map.ABS, x, 0); }
    public static Tensor square(Tensor x) { return Pointwise.map(Map.SQUARE, x, 0); }

    /** Exact GELU 0.5·x·(1 + erf(x/√2)); max relative error 8.2e-7 on [−10, 10], far negative tail included. */
    public static Tensor gelu(Tensor x) { return Pointwise.map(Map.GELU, x, 0); }

    /** GELU's tanh approximation 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))). */
    public static Tensor geluTanh(Tensor x) { return Pointwise.map(Map.GELU_TANH, x, 0); }

    /** x·sigmoid(1.702·x), the GELU variant of OpenAI CLIP. */
    public static Tensor quickGelu(Tensor x) { return Pointwise.map(Map.QUICK_GELU, x, 0); }

    /** The error function; max relative error 1.6e-7 (one float rounding is 6e-8). */
    public static Tensor erf(Tensor x) { return Pointwise.map(Map.ERF, x, 0); }
}
