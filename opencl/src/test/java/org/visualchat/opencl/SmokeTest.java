package org.visualchat.opencl;

import org.junit.jupiter.api.Test;
import org.visualchat.tensor.Tensor;

import static org.junit.jupiter.api.Assertions.*;

class SmokeTest {
    @Test
    void roundTripAndMatmul() {
        try (OpenClBackend gpu = OpenClBackend.open("opencl", new OpenClBackend.Capacity(1 << 20, 1 << 16, 1 << 12))) {
            System.out.println(gpu.deviceDescription());
            Tensor a = Tensor.uniform(1, -1, 1, 37, 45), b = Tensor.uniform(2, -1, 1, 45, 29);
            DeviceTensor da = gpu.upload(a), db = gpu.upload(b);
            assertArrayEquals(a.toFloatArray(), gpu.download(da).toFloatArray());
            float[] c = gpu.download(gpu.matmul(da, db)).toFloatArray();
            float[] x = a.toFloatArray(), y = b.toFloatArray();
            for (int i = 0; i < 37; i++) for (int j = 0; j < 29; j++) {
                double s = 0;
                for (int q = 0; q < 45; q++) s += (double) x[i * 45 + q] * y[q * 29 + j];
                assertEquals(s, c[i * 29 + j], 1e-4);
            }
        }
    }
}
