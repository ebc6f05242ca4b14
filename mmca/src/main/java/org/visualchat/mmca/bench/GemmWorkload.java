package org.visualchat.mmca.bench;

import org.visualchat.tensor.Tensor;
import org.visualchat.tensor.ops.MatMul;

/**
 * One GEMM to time, named like the numpy peer names it: MxNxK is C = A·B with both row-major, MxNxKt is
 * C = A·Bᵀ with B stored [N, K] (a linear layer: {@code MatMul.linear}). Inputs and output are made
 * once, so a call allocates nothing.
 */
public final class GemmWorkload implements Runnable {
    public final String name;
    public final int m, n, k;
    public final boolean transposed;
    private final Tensor a, b, out;

    public GemmWorkload(String shape) {
        this.name = shape.trim();
        this.transposed = name.endsWith("t");
        int[] dims = parseDims(transposed ? name.substring(0, name.length() - 1) : name, 3, "MxNxK or MxNxKt, e.g. 1024x1024x1024");
        this.m = dims[0];
        this.n = dims[1];
        this.k = dims[2];
        this.a = Tensor.randn(1, 1, m, k);
        this.b = transposed ? Tensor.randn(2, 1, n, k) : Tensor.randn(2, 1, k, n);
        this.out = Tensor.zeros(m, n);
    }

    public double flops() {
        return 2.0 * m * n * k;
    }

    @Override
    public void run() {
        if (transposed) MatMul.linear(a, b, out);
        else MatMul.matmul(a, b, out);
    }

    /** "AxBx..." as {@code count} positive ints, or an error that shows the expected form. */
    public static int[] parseDims(String text, int count, String expected) {
        String[] parts = text.split("x");
        try {
            if (parts.length != count) throw new NumberFormatException();
            int[] dims = new int[count];
            for (int i = 0; i < count; i++) {
                dims[i] = Integer.parseInt(parts[i].trim());
                if (dims[i] < 1) throw new NumberFormatException();
            }
            return dims;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("bad shape '" + text + "': expected " + expected);
        }
    }
}
