package org.visualchat.vision.encoder;

import org.junit.jupiter.api.Test;
import org.visualchat.autograd.GradCheck;
import org.visualchat.autograd.Variable;
import org.visualchat.nn.Activation;
import org.visualchat.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Trainable encoders: every analytic parameter gradient equals a central finite difference of the
 * whole forward pass (tiny configs, interpolated position tables included).
 */
class EncoderGradientTest {
    private static List<Variable> trainable(VisionEncoder enc) {
        List<Variable> out = new ArrayList<>();
        for (Map.Entry<String, Variable> e : enc.module().namedParameters().entrySet()) {
            if (e.getValue().requiresGrad()) out.add(e.getValue());
        }
        return out;
    }

    @Test
    void clipParameterGradientsMatchFiniteDifferences() {
        ClipVisionConfig c = new ClipVisionConfig(8, 12, 1, 2, 8, 4, 3, Activation.QUICK_GELU, 1e-5f);
        ClipVisionEncoder enc = new ClipVisionEncoder(c, 5);
        EncoderFixtures.randomise(enc, 6);
        enc.setTrainable(true);
        enc.module().freeze(org.visualchat.nn.NamePattern.glob("vision_model.post_layernorm.*"));   // not on the output path
        Tensor px = EncoderFixtures.pixels(7, 2, 12, 8);                                             // 3×2 grid: interpolated positions
        GradCheck.checkParameters("CLIP encoder", () -> enc.encode(px), trainable(enc));
    }

    @Test
    void qwenParameterGradientsMatchFiniteDifferences() {
        QwenVisionConfig c = new QwenVisionConfig(8, 4, 8, 1, 2, 12, 12, 2, 3, 2);
        QwenVisionEncoder enc = new QwenVisionEncoder(c, 5);
        EncoderFixtures.randomise(enc, 6);
        enc.setTrainable(true);
        Tensor px = EncoderFixtures.pixels(7, 2, 12, 12);                                            // 3×3 grid
        GradCheck.checkParameters("QWen encoder", () -> enc.encode(px), trainable(enc));
    }
}
