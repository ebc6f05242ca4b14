package org.visualchat.tensor.ops;

import org.junit.jupiter.api.Test;
import org.visualchat.tensor.DType;
import org.visualchat.tensor.Shapes;
import org.visualchat.tensor.Tensor;

import java.util.function.DoubleBinaryOperator;
import java.util.function.BiFunction;

import static org.junit.jupiter.api.Assertions.*;
import static org.visualchat.tensor.ops.OpsTesting.*;

class ElementwiseTest {
    private static final int[][][] SHAPE_PAIRS = {
            {{7, 17}, {17}}, {{33, 1}, {1, 1000}}, {{2, 3, 17}, {2, 1, 17}}, {{1000}, {1000}}, {{}, {7, 33}},
            {{1}, {1}}, {{5, 1, 7}, {5, 33, 1}},
    };

    private static void checkBinary(String name, BiFunction<Tensor, Tensor, Tensor> op, DoubleBinaryOperator ref) {
        long seed = 1;
        for (int[][] pair : SHAPE_PAIRS) {
            Tensor a0 = randn(seed++, pair[0]), b0 = Elementwise.add(Unary.abs(randn(seed++, pair[1])), 0.5f);
            int[] shape = Shapes.broadcast(pair[0], pair[1]);
            for (Case a : layouts(a0)) for (Case b : layouts(b0)) {
                double[] x = values(a.tensor(), shape), y = values(b.tensor(), shape), e = new double[x.length];
                for (int i = 0; i < e.length; i++) e[i] = ref.applyAsDouble(x[i], y[i]);
                assertClose(e, shape, op.apply(a.tensor(), b.tensor()), 1e-6, 0, name + " " + a + "·" + b + " " + Shapes.toString(shape));
            }
        }
    }

    @Test void add() { checkBinary("add", Elementwise::add, Double::sum); }
    @Test void sub() { checkBinary("sub", Elementwise::sub, (x, y) -> x - y); }
    @Test void mul() { checkBinary("mul", Elementwise::mul, (x, y) -> x * y); }
    @Test void div() { checkBinary("div", Elementwise::div, (x, y) -> x / y); }
    @Test void maximum() { checkBinary("maximum", Elementwise::maximum, Math::max); }
    @Test void minimum() { checkBinary("minimum", Elementwise::minimum, Math::min); }

    @Test
    void scalarOperandsAndPow() {
        for (int n : AWKWARD) {
            Tensor x0 = Elementwise.add(Unary.abs(randn(n, 3, n)), 0.1f);
            for (Case c : layouts(x0)) {
                double[] x = values(c.tensor());
                double[] add = new double[x.length], mul = new double[x.length], pow = new double[x.length];
                for (int i = 0; i < x.length; i++) {
                    add[i] = x[i] + 2.5;
                    mul[i] = x[i] * -3;
                    pow[i] = Math.pow(x[i], 1.5);
                }
                assertClose(add, x0.shape(), Elementwise.add(c.tensor(), 2.5f), 1e-6, 1e-7, "add scalar " + c);
                assertClose(mul, x0.shape(), Elementwise.mul(c.tensor(), -3f), 1e-6, 0, "mul scalar " + c);
                assertClose(pow, x0.shape(), Elementwise.pow(c.tensor(), 1.5f), 2e-6, 0, "pow " + c);
            }
        }
    }

    @Test
    void addIntoAccumulatesIntoAStridedViewWithBroadcastSource() {
        Tensor base = randn(3, 7, 40);
        Tensor dst = base.narrow(1, 3, 33).transpose(0, 1);      // [33, 7], non-contiguous
        Tensor src = randn(4, 7);                                  // broadcast over the 33 rows
        double[] before = values(dst), s = values(src, dst.shape()), e = new double[before.length];
        for (int i = 0; i < e.length; i++) e[i] = before[i] + s[i];
        double[] untouched = values(base.narrow(1, 0, 3));
        Elementwise.addInto(dst, src);
        assertClose(e, dst.shape(), dst, 1e-6, 1e-7, "addInto");
        assertArrayEquals(untouched, values(base.narrow(1, 0, 3)), "elements outside the view stay");
    }

    @Test
    void addIntoRejectsBroadcastTargetsAndWrongShapes() {
        Tensor row = Tensor.zeros(1, 5);
        assertThrows(IllegalArgumentException.class, () -> Elementwise.addInto(row.expand(3, 5), Tensor.zeros(3, 5)));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Elementwise.addInto(Tensor.zeros(3, 5), Tensor.zeros(4, 5)));
        assertTrue(e.getMessage().contains("[4, 5]"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Elementwise.addInto(Tensor.zeros(DType.BF16, 3), Tensor.zeros(3)));
    }

    @Test
    void incompatibleShapesNameBothShapes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Elementwise.add(Tensor.zeros(3, 4), Tensor.zeros(5)));
        assertTrue(e.getMessage().contains("[3, 4]") && e.getMessage().contains("[5]"), e.getMessage());
    }
}
