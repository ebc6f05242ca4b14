package org.visualchat.opencl;

import org.junit.jupiter.api.Test;
import org.visualchat.tensor.Tensor;
import org.visualchat.tensor.ops.Elementwise;
import org.visualchat.tensor.ops.Unary;

import java.util.function.BinaryOperator;
import java.util.function.UnaryOperator;

import static org.visualchat.opencl.OpenClTesting.assertClose;

/**
 * Elementwise, broadcast and activation kernels against the CPU ops. Arithmetic is exact up to
 * rounding (1 ulp: rtol 1.2e-7); transcendental functions use the device's OpenCL built-ins (≤ 4 ulp
 * in the OpenCL spec) and, for gelu, an erf approximation with |error| ≤ 1.5e-7 — hence 1e-6
 * absolute + 4e-6 relative for those.
 */
class PointwiseParityTest extends DeviceTestBase {
    private record Binary(String name, BinaryOperator<Tensor> cpu, BinaryOperator<DeviceTensor> device) {}

    @Test
    void binaryOpsBroadcast() {
        Binary[] ops = {
                new Binary("add", Elementwise::add, gpu::add), new Binary("sub", Elementwise::sub, gpu::sub),
                new Binary("mul", Elementwise::mul, gpu::mul), new Binary("div", Elementwise::div, gpu::div),
                new Binary("maximum", Elementwise::maximum, gpu::maximum), new Binary("minimum", Elementwise::minimum, gpu::minimum)};
        int[][][] shapes = {{{1}, {1}}, {{2, 3, 17, 33}, {17, 1}}, {{7, 1, 5}, {1, 9, 1}}, {{1000}, {1}}, {{3, 1, 33}, {2, 1, 1, 33}}};
        for (int[][] pair : shapes) {
            Tensor a = Tensor.uniform(3, -2, 2, pair[0]), b = Tensor.uniform(4, 0.5f, 2, pair[1]);
            DeviceTensor da = gpu.upload(a), db = gpu.upload(b);
            for (Binary op : ops) {
                assertClose(op.cpu.apply(a, b), gpu.download(op.device.apply(da, db)), 0, 1.2e-7, op.name + java.util.Arrays.deepToString(pair));
            }
        }
    }

    private record Activation(String name, UnaryOperator<Tensor> cpu, UnaryOperator<DeviceTensor> device, boolean positiveOnly) {}

    @Test
    void activationsAndScalarOps() {
        Activation[] ops = {
                new Activation("exp", Unary::exp, gpu::exp, false), new Activation("log", Unary::log, gpu::log, true),
                new Activation("sqrt", Unary::sqrt, gpu::sqrt, true), new Activation("rsqrt", Unary::rsqrt, gpu::rsqrt, true),
                new Activation("tanh", Unary::tanh, gpu::tanh, false), new Activation("sigmoid", Unary::sigmoid, gpu::sigmoid, false),
                new Activation("silu", Unary::silu, gpu::silu, false), new Activation("relu", Unary::relu, gpu::relu, false),
                new Activation("neg", Unary::neg, gpu::neg, false), new Activation("abs", Unary::abs, gpu::abs, false),
                new Activation("square", Unary::square, gpu::square, false), new Activation("gelu", Unary::gelu, gpu::gelu, false),
                new Activation("geluTanh", Unary::geluTanh, gpu::geluTanh, false), new Activation("quickGelu", Unary::quickGelu, gpu::quickGelu, false),
                new Activation("add 0.25", t -> Elementwise.add(t, 0.25f), t -> gpu.add(t, 0.25f), false),
                new Activation("mul -3", t -> Elementwise.mul(t, -3f), t -> gpu.mul(t, -3f), false),
                new Activation("pow 1.5", t -> Elementwise.pow(t, 1.5f), t -> gpu.pow(t, 1.5f), true)};
        for (int n : new int[] {1, 7, 17, 1000}) {
            Tensor any = Tensor.uniform(n, -6, 6, n), positive = Tensor.uniform(n + 1, 0.01f, 9, n);
            DeviceTensor dAny = gpu.upload(any), dPositive = gpu.upload(positive);
            for (Activation op : ops) {
                Tensor x = op.positiveOnly ? positive : any;
                assertClose(op.cpu.apply(x), gpu.download(op.device.apply(op.positiveOnly ? dPositive : dAny)), 1e-6, 4e-6, op.name + " n=" + n);
            }
        }
    }
}
