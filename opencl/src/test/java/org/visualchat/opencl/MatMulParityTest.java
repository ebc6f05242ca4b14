package org.visualchat.opencl;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.visualchat.tensor.DType;
import org.visualchat.tensor.Tensor;
import org.visualchat.tensor.ops.MatMul;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.visualchat.opencl.OpenClTesting.assertClose;

/**
 * Tiled matmul and the fused dequantize linear against the CPU MatMul. Inputs are uniform in [−1, 1);
 * F32 tolerance 2e-6·K absolute (float accumulation in a different order), weight dtypes the same,
 * since both sides decode the identical stored values and only summation order differs.
 */
class MatMulParityTest extends DeviceTestBase {
    @ParameterizedTest(name = "[{0}x{1}]·[{1}x{2}]")
    @CsvSource({"1,1,1", "7,17,33", "33,7,17", "65,129,47", "3,1000,5", "100,64,96"})
    void matmulMatchesCpu(int m, int k, int n) {
        Tensor a = Tensor.uniform(m * 31L + k, -1, 1, m, k), b = Tensor.uniform(n * 17L + k, -1, 1, k, n);
        assertClose(MatMul.matmul(a, b), gpu.download(gpu.matmul(gpu.upload(a), gpu.upload(b))), 2e-6 * k, 0, "matmul " + m + "x" + k + "x" + n);
        assertTrue(gpu.ranOnOpenCl());
    }

    @Test
    void batchedAndSharedOperands() {
        Tensor a = Tensor.uniform(1, -1, 1, 3, 17, 33), b = Tensor.uniform(2, -1, 1, 3, 33, 7), w = Tensor.uniform(3, -1, 1, 33, 9);
        assertClose(MatMul.matmul(a, b), gpu.download(gpu.matmul(gpu.upload(a), gpu.upload(b))), 1e-4, 0, "batched matmul");
        assertClose(MatMul.matmul(a, w), gpu.download(gpu.matmul(gpu.upload(a), gpu.upload(w))), 1e-4, 0, "matmul, shared B");
        assertThrows(IllegalArgumentException.class, () -> gpu.matmul(gpu.upload(a), gpu.upload(Tensor.zeros(2, 33, 7))));
    }

    @ParameterizedTest(name = "{0} W[{2}x{1}], {3} rows")
    @CsvSource({"F32,33,17,5", "F32,64,1,1", "BF16,64,33,1", "BF16,1000,7,3", "F16,96,17,7", "F16,33,5,2",
            "Q8_0,64,33,1", "Q8_0,1024,17,3", "Q8_0,96,1,7", "Q4_0,64,33,1", "Q4_0,1024,17,3", "Q4_0,96,1,7"})
    void linearMatchesCpu(DType dtype, int k, int n, int rows) {
        Tensor x = Tensor.uniform(k + rows, -1, 1, rows, k);
        Tensor w = Tensor.uniform(n * 7L + k, -1, 1, n, k).to(dtype);
        assertClose(MatMul.linear(x, w), gpu.download(gpu.linear(gpu.upload(x), gpu.upload(w))), 2e-6 * k, 0, "linear " + dtype + " " + rows + "x" + k + "·" + n);
    }
}
