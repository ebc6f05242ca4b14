package org.visualchat.tensor.ops;

import org.junit.jupiter.api.Test;
import org.visualchat.tensor.DType;
import org.visualchat.tensor.Shapes;
import org.visualchat.tensor.Tensor;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.*;
import static org.visualchat.tensor.ops.OpsTesting.*;

class ReduceTest {
    private enum Kind { SUM, MEAN, MAX, ARGMAX }

    /** Naive reduction of a row-major array of {@code shape} over {@code dim}. */
    private static double[] reference(double[] x, int[] shape, int dim, Kind kind) {
        int outer = 1, inner = 1, n = shape[dim];
        for (int i = 0; i < dim; i++) outer *= shape[i];
        for (int i = dim + 1; i < shape.length; i++) inner *= shape[i];
        double[] out = new double[outer * inner];
        for (int o = 0; o < outer; o++)
            for (int in = 0; in < inner; in++) {
                double acc = kind == Kind.MAX ? Double.NEGATIVE_INFINITY : 0;
                int best = 0;
                for (int k = 0; k < n; k++) {
                    double v = x[(o * n + k) * inner + in];
                    if (kind == Kind.MAX || kind == Kind.ARGMAX) {
                        if (k == 0 || v > acc) { acc = v; best = k; }
                    } else acc += v;
                }
                out[o * inner + in] = kind == Kind.MEAN ? acc / n : kind == Kind.ARGMAX ? best : acc;
            }
        return out;
    }

    @Test
    void everyReductionOverEveryDimAndLayout() {
        int[][] shapes = {{7, 17, 33}, {1000, 3}, {1, 7}, {17}};
        for (int[] shape : shapes) {
            Tensor x0 = randn(Arrays.hashCode(shape), shape);
            for (Case c : layouts(x0)) {
                double[] x = values(c.tensor());
                for (int dim = 0; dim < shape.length; dim++) {
                    int[] keep = shape.clone();
                    keep[dim] = 1;
                    int[] drop = new int[shape.length - 1];
                    for (int i = 0, k = 0; i < shape.length; i++) if (i != dim) drop[k++] = shape[i];
                    String what = c + " " + Shapes.toString(shape) + " dim " + dim;
                    assertClose(reference(x, shape, dim, Kind.SUM), drop, Reduce.sum(c.tensor(), dim, false), 1e-5, 1e-5, "sum " + what);
                    assertClose(reference(x, shape, dim, Kind.MEAN), keep, Reduce.mean(c.tensor(), dim - shape.length, true), 1e-5, 1e-6, "mean " + what);
                    assertClose(reference(x, shape, dim, Kind.MAX), drop, Reduce.max(c.tensor(), dim, false), 0, 0, "max " + what);
                    Tensor am = Reduce.argmax(c.tensor(), dim, true);
                    assertEquals(DType.I64, am.dtype());
                    assertArrayEquals(keep, am.shape());
                    double[] expect = reference(x, shape, dim, Kind.ARGMAX);
                    long[] got = am.toLongArray();
                    for (int i = 0; i < got.length; i++) assertEquals((long) expect[i], got[i], "argmax " + what + " at " + i);
                }
            }
        }
    }

    @Test
    void sumToUndoesBroadcasting() {
        Tensor x = randn(5, 4, 7, 17);
        double[] v = values(x);
        int[][] targets = {{7, 1}, {17}, {1, 7, 17}, {4, 1, 1}, {}, {4, 7, 17}};
        for (int[] t : targets) {
            double[] e = new double[(int) Shapes.numel(t)];
            // element (i, j, k) lands on the target element it broadcasts from
            int[] full = {4, 7, 17};
            for (int i = 0; i < 4; i++) for (int j = 0; j < 7; j++) for (int k = 0; k < 17; k++) {
                int[] at = {i, j, k};
                int flat = 0;
                for (int d = 0; d < t.length; d++) {
                    int src = at[full.length - t.length + d];
                    flat = flat * t[d] + (t[d] == 1 ? 0 : src);
                }
                e[flat] += v[(i * 7 + j) * 17 + k];
            }
            assertClose(e, t, Reduce.sumTo(x.transpose(0, 1).contiguous().transpose(0, 1), t), 1e-5, 1e-5, "sumTo " + Shapes.toString(t));
        }
        assertThrows(IllegalArgumentException.class, () -> Reduce.sumTo(x, 3, 1));
        assertEquals(0, Reduce.sum(x).rank());
    }

    @Test
    void argmaxTakesTheFirstMaximumAndNaNWins() {
        Tensor x = Tensor.of(new float[] {1, 5, 5, 2, 1, Float.NaN, 9, Float.NaN}, 2, 4);
        assertArrayEquals(new long[] {1, 1}, Reduce.argmax(x, 1, false).toLongArray());
        assertTrue(Float.isNaN(Reduce.max(x, -1, false).get(1)));
        assertThrows(IllegalArgumentException.class, () -> Reduce.max(Tensor.zeros(3, 0), 1, false));
    }
}
