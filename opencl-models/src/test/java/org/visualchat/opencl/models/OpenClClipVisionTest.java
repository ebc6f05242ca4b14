package org.visualchat.opencl.models;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.visualchat.nn.Activation;
import org.visualchat.nn.Lora;
import org.visualchat.nn.NamePattern;
import org.visualchat.opencl.TransferStats;
import org.visualchat.tensor.Tensor;
import org.visualchat.vision.encoder.ClipVisionConfig;
import org.visualchat.vision.encoder.ClipVisionEncoder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A whole tiny CLIP ViT (2 layers, 4 heads, 16 px images in 4 px patches: 17 tokens) on PoCL against
 * the CPU encoder, batch of 2 and 5 images in device batches of 2, to 2e-5 absolute + 1e-4 relative;
 * an encode call moves the patch pixels up and the features down, no weights.
 */
class OpenClClipVisionTest {
    @ParameterizedTest
    @EnumSource(value = Activation.class, names = {"QUICK_GELU", "GELU"})
    void encoderMatchesTheCpuEncoder(Activation act) {
        ClipVisionConfig config = new ClipVisionConfig(32, 48, 2, 4, 16, 4, 3, act, 1e-5f);
        ClipVisionEncoder encoder = new ClipVisionEncoder(config, 11);
        Tensor pixels = Tensor.uniform(5, -2, 2, 2, 3, 16, 16);
        Tensor expected = encoder.encode(pixels).value();
        try (OpenClClipVision vit = OpenClClipVision.open(encoder, "opencl", 2)) {
            TransferStats before = vit.transfers();
            Tensor actual = vit.encode(pixels);
            TransferStats after = vit.transfers();
            assertTrue(vit.ranOnOpenCl(), "ran on OpenCL");
            Parity.assertClose(expected, actual, 2e-5, 1e-4, "CLIP ViT " + act);
            assertEquals(4L * pixels.numel(), after.bytesUploaded() - before.bytesUploaded(), "an encode uploads the pixels only");
            assertEquals(4L * expected.numel(), after.bytesDownloaded() - before.bytesDownloaded());
            Tensor five = Tensor.uniform(6, -2, 2, 5, 3, 16, 16);
            Parity.assertClose(encoder.encode(five).value(), vit.encode(five), 2e-5, 1e-4, "5 images in device batches of 2");
            assertThrows(IllegalArgumentException.class, () -> vit.encode(Tensor.zeros(1, 3, 20, 20)), "not the native resolution");
        }
        Lora.apply(encoder.module(), NamePattern.contains("self_attn"), 2, 4f, 9);
        IllegalStateException lora = assertThrows(IllegalStateException.class, () -> OpenClClipVision.open(encoder, "opencl", 2));
        assertTrue(lora.getMessage().contains("LoRA"), lora.getMessage());
    }
}
