package org.visualchat.vision.encoder;

import org.junit.jupiter.api.Test;
import org.visualchat.tensor.Tensor;
import org.visualchat.tensor.io.TensorSource;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

/**
 * Tiny encoders built from PyTorch modules (Debian python3-torch 1.13, following HF modeling_clip.py and
 * Qwen-VL's visual.py; scripts in src/test/python), saved with {@code torch.save} as
 * {@code pytorch_model.bin}: loading them through {@code TorchCheckpoint} reproduces torch's outputs.
 */
class TorchOracleTest {
    private static final Path RESOURCES = Path.of("src/test/resources");

    private static float[] readF32(Path f) throws IOException {
        ByteBuffer bb = ByteBuffer.wrap(Files.readAllBytes(f)).order(ByteOrder.LITTLE_ENDIAN);
        float[] out = new float[bb.remaining() / 4];
        bb.asFloatBuffer().get(out);
        return out;
    }

    private static void assertTorch(float[] expected, Tensor actual, String what) {
        float[] got = actual.toFloatArray();
        assertEquals(expected.length, got.length, what);
        for (int i = 0; i < got.length; i++) assertEquals(expected[i], got[i], 1e-4 * (1 + Math.abs(expected[i])), what + " element " + i);
    }

    @Test
    void clipModelDirectoryWithPytorchModelBin() throws IOException {
        Path dir = RESOURCES.resolve("clip-tiny");
        ClipVisionEncoder enc = assertInstanceOf(ClipVisionEncoder.class, VisionEncoders.load(dir));
        for (int[] hw : new int[][] {{12, 12}, {8, 20}}) {      // native, and HF's interpolate_pos_encoding
            String size = hw[0] + "x" + hw[1];
            Tensor px = Tensor.of(readF32(dir.resolve("pixels-2x3x" + size + ".f32")), 2, 3, hw[0], hw[1]);
            Tensor y = enc.encode(px).value();
            assertArrayEquals(new int[] {2, 1 + (hw[0] / 4) * (hw[1] / 4), 12}, y.shape());
            assertTorch(readF32(dir.resolve("expected-" + size + ".f32")), y, "CLIP " + size);
        }
    }

    @Test
    void qwenTowerFromTheExtractedPytorchModelBin() throws IOException {
        Path bin = RESOURCES.resolve("qwen-tiny/pytorch_model.bin");
        Tensor px = Tensor.of(readF32(bin.resolveSibling("pixels-2x3x20x20.f32")), 2, 3, 20, 20);
        try (TensorSource src = TensorSource.open(bin)) {
            QwenVisionEncoder enc = QwenVisionEncoder.load(EncoderFixtures.tinyQwen(), src, bin);
            Tensor y = enc.encode(px).value();
            assertArrayEquals(new int[] {2, 4, 16}, y.shape());
            assertTorch(readF32(bin.resolveSibling("expected-2x4x16.f32")), y, "QWen");
        }
    }
}
