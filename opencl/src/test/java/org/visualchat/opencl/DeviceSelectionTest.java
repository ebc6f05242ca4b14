package org.visualchat.opencl;

import org.junit.jupiter.api.Test;
import org.visualchat.tensor.Tensor;

import static org.junit.jupiter.api.Assertions.*;

/** Device settings, clear errors, and proof that the kernels run on OpenCL rather than Aparapi's Java fallback. */
class DeviceSelectionTest {
    @Test
    void settingsParse() {
        assertEquals(0, OpenClDevices.parseIndex("opencl"));
        assertEquals(3, OpenClDevices.parseIndex(" OpenCL:3 "));
        for (String bad : new String[] {"cuda", "opencl:", "opencl:-1", "opencl:x", ""}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> OpenClDevices.parseIndex(bad));
            assertTrue(e.getMessage().contains("'" + bad + "'"), e.getMessage());
        }
    }

    @Test
    void anAbsentDeviceListsTheDevicesThatExist() {
        assertFalse(OpenClDevices.list().isEmpty(), "no OpenCL device: install pocl-opencl-icd (see .ci/run)");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> OpenClDevices.select("opencl:99"));
        assertTrue(e.getMessage().contains("opencl:0  " + OpenClDevices.list().getFirst().getName()), e.getMessage());
        assertTrue(e.getMessage().contains("compute units"), e.getMessage());
    }

    @Test
    void kernelsRunOnOpenClAndReleasedTensorsAreRejected() {
        try (OpenClBackend gpu = OpenClBackend.open("opencl:0", new OpenClBackend.Capacity(1 << 16, 1 << 10, 1 << 10))) {
            DeviceTensor kept = gpu.upload(Tensor.of(new float[] {1, 2, 3}, 3));
            DeviceTensor scratch;
            try (OpenClBackend.Scope ignored = gpu.scope()) {
                scratch = gpu.add(kept, kept);
                assertArrayEquals(new float[] {2, 4, 6}, gpu.download(scratch).toFloatArray());
            }
            assertTrue(gpu.ranOnOpenCl(), "Aparapi fell back to Java threads");
            assertThrows(IllegalStateException.class, () -> gpu.download(scratch));
            assertArrayEquals(new float[] {1, 2, 3}, gpu.download(kept).toFloatArray());
            IllegalStateException full = assertThrows(IllegalStateException.class, () -> gpu.upload(Tensor.ofInts(new int[2000], 2000)));
            assertTrue(full.getMessage().contains("int arena is full"), full.getMessage());
        }
    }
}
