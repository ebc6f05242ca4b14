package org.visualchat.mmca.model;

import org.visualchat.llama.model.LlamaConfig;
import org.visualchat.llama.model.LlamaModel;
import org.visualchat.mmca.attention.MmcaMode;
import org.visualchat.nn.Activation;
import org.visualchat.tensor.DType;
import org.visualchat.tensor.Tensor;
import org.visualchat.vision.encoder.ClipVisionConfig;
import org.visualchat.vision.encoder.ClipVisionEncoder;

import java.util.Arrays;
import java.util.Locale;

/**
 * Decode speed of {@link VisualChatModel#generate} with MMCA (strict, reference) against the decoder's
 * built-in causal fast path, same model and prompt, interleaved rounds (a plain main, not a test).
 */
public final class GenerationBenchmark {
    public static void main(String[] args) {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 3, newTokens = 24;
        LlamaModel llama = LlamaModel.random(LlamaConfig.of(512, 1376, 8, 8, 8, 4000), 1, DType.BF16);
        ClipVisionEncoder clip = new ClipVisionEncoder(new ClipVisionConfig(128, 512, 2, 4, 112, 14, 3, Activation.QUICK_GELU, 1e-5f), 2);
        int[] prompt = new int[400];
        for (int i = 0; i < prompt.length; i++) prompt[i] = 3 + (i * 31) % 3900;
        prompt[20] = 3999;
        prompt[200] = 3999;
        Tensor pixels = Tensor.randn(3, 1f, 2, 3, 112, 112);
        MmcaMode[] modes = {MmcaMode.STRICT, MmcaMode.REFERENCE, MmcaMode.CAUSAL};
        double[][] ms = new double[modes.length][rounds];
        for (int r = -1; r < rounds; r++) {
            for (int m = 0; m < modes.length; m++) {
                VisualChatModel model = new VisualChatModel(clip, llama, new BaselineProjection(128, 512, 4),
                        VisualChatOptions.defaults().withAttention(modes[m]).withTokens(3999, 3998, 3998));
                long t0 = System.nanoTime();
                int[] out = model.generate(prompt, pixels, newTokens, t -> {});
                if (r >= 0) ms[m][r] = (System.nanoTime() - t0) / 1e6 / Math.max(1, out.length);
            }
        }
        for (int m = 0; m < modes.length; m++) {
            double[] s = ms[m].clone();
            Arrays.sort(s);
            System.out.printf(Locale.ROOT, "%-9s %7.1f ms per generated token (prefill 528 positions included, %d new)%n", modes[m].id(), s[rounds / 2], newTokens);
        }
    }
}
