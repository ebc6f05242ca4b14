package org.visualchat.autograd;

import org.junit.jupiter.api.Test;
import org.visualchat.tensor.Tensor;

import static org.visualchat.autograd.GradCheck.awayFromZero;
import static org.visualchat.autograd.GradCheck.check;
import static org.visualchat.autograd.GradCheck.randn;
import static org.visualchat.autograd.GradCheck.strided;

class ArithGradTest {
    @Test
    void addBroadcastsAndReducesBothSides() {
        check("add", v -> Arith.add(v[0], v[1]), strided(1, 3, 1, 5), randn(2, 4, 1));
        check("add same shape", v -> Arith.add(v[0], v[1]), randn(3, 7), strided(4, 7));
    }

    @Test
    void subBroadcasts() {
        check("sub", v -> Arith.sub(v[0], v[1]), randn(5, 2, 3, 5), strided(6, 3, 5));
    }

    @Test
    void mulBroadcasts() {
        check("mul", v -> Arith.mul(v[0], v[1]), strided(7, 2, 3, 4), randn(8, 1, 3, 1));
        check("mul rank-0", v -> Arith.mul(v[0], v[1]), randn(9, 17), Tensor.scalar(0.7f));
    }

    @Test
    void divBroadcasts() {
        Tensor b = awayFromZero(randn(11, 3, 1), 1f);
        check("div", v -> Arith.div(v[0], v[1]), strided(10, 3, 4), b);
    }

    @Test
    void scalarOpsAndPow() {
        check("add scalar", v -> Arith.add(v[0], 2.5f), strided(12, 5, 3));
        check("mul scalar", v -> Arith.mul(v[0], -1.5f), strided(13, 5, 3));
        Tensor positive = awayFromZero(randn(14, 6), 0.5f);
        check("pow 3", v -> Arith.pow(v[0], 3f), randn(15, 2, 7));
        check("pow 1.5", v -> Arith.pow(Activations.abs(v[0]), 1.5f), positive);
    }

    @Test
    void sameInputTwiceAccumulates() {
        check("x*x + x", v -> Arith.add(Arith.mul(v[0], v[0]), v[0]), strided(16, 4, 3));
    }
}
