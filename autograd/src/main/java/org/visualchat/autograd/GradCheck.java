package org.visualchat.autograd;

import org.visualchat.tensor.DType;
import org.visualchat.tensor.Tensor;

import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Finite-difference gradient check. The op runs in F32 (the only precision the kernels have); the
 * scalar probe L = Σ out·R (R a fixed random tensor, so every output element is weighted differently)
 * is accumulated in double, and each input element's numeric derivative is the central difference
 * (L(x + ε) − L(x − ε)) / 2ε with ε = {@link #EPS}. Central differences have O(ε²) truncation error; F32
 * rounding of each output (~6e-8 relative) contributes ~1e-7·√n/ε. With ε = 1e-2 both stay below
 * 1e-4 for O(1) inputs, so an element passes when |analytic − numeric| ≤ {@link #ATOL} + {@link #RTOL}·|numeric|.
 * Inputs may be any view (non-contiguous, offset): perturbation writes through the view.
 *
 * <p>Public so that modules defining their own differentiable ops (an MMCA attention policy, say)
 * check them the same way:
 * <pre>{@code
 * GradCheck.check("my op", v -> MyOps.op(v[0], v[1]), GradCheck.strided(1, 3, 5), GradCheck.randn(2, 5));
 * }</pre>
 */
public final class GradCheck {
    public static final double EPS = 1e-2;
    public static final double ATOL = 2e-3;
    public static final double RTOL = 1e-2;

    private GradCheck() {}

    /** Checks d(Σ f(inputs)·R)/d(input) for every input; throws AssertionError naming the first bad element. */
    public static void check(String op, Function<Variable[], Variable> f, Tensor... inputs) {
        Variable[] vars = new Variable[inputs.length];
        for (int i = 0; i < inputs.length; i++) vars[i] = Variable.parameter(inputs[i]);
        checkParameters(op, () -> f.apply(vars), List.of(vars));
    }

    /**
     * Checks the gradient of {@code forward()} with respect to each of {@code params} (leaves that
     * require a gradient, e.g. a module's weights), perturbing their values in place.
     */
    public static void checkParameters(String op, Supplier<Variable> forward, List<Variable> params) {
        for (Variable p : params) p.zeroGrad();
        Variable out = forward.get();
        Tensor r = Tensor.randn(99, 1f, out.shape());
        float[] weights = r.toFloatArray();
        out.backward(r);
        for (int i = 0; i < params.size(); i++) {
            Tensor grad = params.get(i).grad();
            if (grad == null) throw new AssertionError(op + ": input " + i + " received no gradient");
            float[] analytic = grad.toFloatArray();
            Tensor value = params.get(i).value();
            int[] idx = new int[value.rank()];
            for (int e = 0; e < analytic.length; e++) {
                float saved = value.get(idx);
                value.set((float) (saved + EPS), idx);
                double plus = probe(forward, weights);
                value.set((float) (saved - EPS), idx);
                double minus = probe(forward, weights);
                value.set(saved, idx);
                // The perturbation actually applied after F32 rounding of saved ± ε.
                double h = (double) (float) (saved + EPS) - (double) (float) (saved - EPS);
                double numeric = (plus - minus) / h;
                if (Math.abs(analytic[e] - numeric) > ATOL + RTOL * Math.abs(numeric)) {
                    throw new AssertionError(op + ": d/d input" + i + Arrays.toString(idx) + " analytic " + analytic[e] + " vs numeric " + numeric);
                }
                increment(idx, value.shape());
            }
        }
    }

    private static double probe(Supplier<Variable> forward, float[] weights) {
        float[] out;
        try (NoGrad ignored = NoGrad.enter()) {
            out = forward.get().value().to(DType.F32).toFloatArray();
        }
        double sum = 0;
        for (int i = 0; i < out.length; i++) sum += (double) out[i] * weights[i];
        return sum;
    }

    private static void increment(int[] idx, int[] shape) {
        for (int d = idx.length - 1; d >= 0; d--) {
            if (++idx[d] < shape[d]) return;
            idx[d] = 0;
        }
    }

    // ---------------------------------------------------------------- awkward inputs

    /** A contiguous F32 tensor of N(0, 1) values. */
    public static Tensor randn(long seed, int... shape) {
        return Tensor.randn(seed, 1f, shape);
    }

    /**
     * The same values' distribution as {@link #randn} but laid out non-contiguously: a transposed,
     * offset window of a larger buffer (rank ≥ 2), or every second element (rank 1).
     */
    public static Tensor strided(long seed, int... shape) {
        if (shape.length == 1) return Tensor.randn(seed, 1f, shape[0], 2).select(1, 1);
        int r = shape.length;
        int[] base = shape.clone();
        base[r - 2] = shape[r - 1];
        base[r - 1] = shape[r - 2] + 1;
        return Tensor.randn(seed, 1f, base).narrow(-1, 1, shape[r - 2]).transpose(-1, -2);
    }

    /** Values pushed at least {@code gap} away from zero, for ops with a kink there (relu, abs). */
    public static Tensor awayFromZero(Tensor t, float gap) {
        float[] v = t.toFloatArray();
        int[] idx = new int[t.rank()];
        for (float x : v) {
            t.set(x >= 0 ? x + gap : x - gap, idx);
            increment(idx, t.shape());
        }
        return t;
    }
}
