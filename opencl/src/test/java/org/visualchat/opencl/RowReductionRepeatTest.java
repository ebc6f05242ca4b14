package org.visualchat.opencl;

import org.junit.jupiter.api.Test;
import org.visualchat.tensor.Tensor;
import org.visualchat.tensor.ops.Norm;
import org.visualchat.tensor.ops.Softmax;

import static org.visualchat.opencl.OpenClTesting.assertClose;

/**
 * The work-group reductions, repeated: a device that lets one work-group see another's local memory
 * (PoCL 3.1 with several pthreads did, on some runs) gives a whole row a wrong sum only now and then,
 * which a single parity check misses. Bit-identical results are required across repeats.
 */
class RowReductionRepeatTest extends DeviceTestBase {
    @Test
    void normAndSoftmaxRowsAreStableAcrossRepeats() {
        Tensor x = Tensor.uniform(1, -3, 5, 7, 33), wide = Tensor.uniform(2, -4, 4, 9, 200);
        DeviceTensor dx = gpu.upload(x), dWide = gpu.upload(wide);
        Tensor norm = Norm.rmsNorm(x, null, 1e-5f), soft = Softmax.softmax(wide);
        for (int r = 0; r < 150; r++) {
            try (OpenClBackend.Scope ignored = gpu.scope()) {
                assertClose(norm, gpu.download(gpu.rmsNorm(dx, null, 1e-5f)), 2e-6, 1e-5, "rmsNorm, repeat " + r);
                assertClose(soft, gpu.download(gpu.softmax(dWide)), 1e-6, 1e-5, "softmax, repeat " + r);
            }
        }
    }
}
