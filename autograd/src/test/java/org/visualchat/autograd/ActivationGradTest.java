package org.visualchat.autograd;

import org.junit.jupiter.api.Test;
import org.visualchat.tensor.Tensor;

import java.util.function.UnaryOperator;

import static org.visualchat.autograd.GradCheck.awayFromZero;
import static org.visualchat.autograd.GradCheck.check;
import static org.visualchat.autograd.GradCheck.strided;

class ActivationGradTest {
    private static void checkUnary(String name, UnaryOperator<Variable> op, Tensor x) {
        check(name, v -> op.apply(v[0]), x);
    }

    @Test
    void smoothActivations() {
        checkUnary("exp", Activations::exp, strided(1, 7, 5));
        checkUnary("tanh", Activations::tanh, strided(2, 7, 5));
        checkUnary("sigmoid", Activations::sigmoid, strided(3, 7, 5));
        checkUnary("silu", Activations::silu, strided(4, 7, 5));
        checkUnary("square", Activations::square, strided(5, 7, 5));
        checkUnary("neg", Activations::neg, strided(6, 7, 5));
        checkUnary("gelu", Activations::gelu, strided(7, 7, 5));
        checkUnary("geluTanh", Activations::geluTanh, strided(8, 7, 5));
        checkUnary("quickGelu", Activations::quickGelu, strided(9, 7, 5));
    }

    @Test
    void kinkedActivationsAwayFromTheKink() {
        checkUnary("relu", Activations::relu, awayFromZero(strided(10, 3, 17), 0.05f));
        checkUnary("abs", Activations::abs, awayFromZero(strided(11, 3, 17), 0.05f));
    }

    @Test
    void positiveDomainFunctions() {
        Tensor x = strided(12, 5, 4);
        awayFromZero(x, 0.5f);
        // log/sqrt/rsqrt of |x| + 0.5: the abs keeps the input positive, and is itself differentiable there.
        checkUnary("log", v -> Activations.log(Activations.abs(v)), x);
        checkUnary("sqrt", v -> Activations.sqrt(Activations.abs(v)), x);
        checkUnary("rsqrt", v -> Activations.rsqrt(Activations.abs(v)), x);
    }
}
