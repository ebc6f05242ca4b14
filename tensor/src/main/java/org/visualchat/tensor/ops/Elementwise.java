package org.visualchat.tensor.ops;

import org.visualchat.tensor.Tensor;

import static org.visualchat.tensor.ops.Pointwise.Map;
import static org.visualchat.tensor.ops.Pointwise.Zip;

/**
 * Binary arithmetic with NumPy broadcasting (shapes aligned from the right, size-1 dims stretched).
 * Inputs may have any strides and float dtypes; results are new contiguous F32 tensors.
 *
 * <pre>{@code
 * Tensor y = Elementwise.add(x, bias);          // [B, S, D] + [D]
 * Elementwise.addInto(grad, Elementwise.mul(g, Tensor.scalar(2)));   // grad += 2·g in place
 * }</pre>
 */
public final class Elementwise {
    private Elementwise() {}

    public static Tensor add(Tensor a, Tensor b) { return Pointwise.zip(Zip.ADD, a, b); }
    public static Tensor sub(Tensor a, Tensor b) { return Pointwise.zip(Zip.SUB, a, b); }
    public static Tensor mul(Tensor a, Tensor b) { return Pointwise.zip(Zip.MUL, a, b); }
    public static Tensor div(Tensor a, Tensor b) { return Pointwise.zip(Zip.DIV, a, b); }
    /** Element-wise max; NaN if either is NaN (as {@link Math#max}). */
    public static Tensor maximum(Tensor a, Tensor b) { return Pointwise.zip(Zip.MAXIMUM, a, b); }
    public static Tensor minimum(Tensor a, Tensor b) { return Pointwise.zip(Zip.MINIMUM, a, b); }

    public static Tensor add(Tensor a, float s) { return Pointwise.map(Map.ADD_SCALAR, a, s); }
    public static Tensor mul(Tensor a, float s) { return Pointwise.map(Map.MUL_SCALAR, a, s); }
    /** a^p element-wise ({@link Math#pow} semantics: NaN for a negative base and non-integer p). */
    public static Tensor pow(Tensor a, float p) { return Pointwise.map(Map.POW_SCALAR, a, p); }

    /**
     * {@code dst += src} in place; {@code src} is broadcast to dst's shape. {@code dst} must be a
     * writable F32 tensor (any strides, e.g. a narrowed view) without broadcast (stride-0) dimensions.
     */
    public static void addInto(Tensor dst, Tensor src) {
        for (int d = 0; d < dst.rank(); d++) {
            if (dst.dim(d) > 1 && dst.stride(d) == 0) {
                throw new IllegalArgumentException("addInto target has a broadcast dimension " + d + " (stride 0): one element would be written many times");
            }
        }
        Accumulate.into(dst, src);
    }
}
