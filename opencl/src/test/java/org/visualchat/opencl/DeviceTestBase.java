package org.visualchat.opencl;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** One backend per test class (PoCL builds the device program once per backend; its cache makes reopening cheap). */
abstract class DeviceTestBase {
    static OpenClBackend gpu;

    @BeforeAll
    static void openBackend() { gpu = OpenClTesting.open(); }

    @AfterAll
    static void closeBackend() { gpu.close(); }
}
