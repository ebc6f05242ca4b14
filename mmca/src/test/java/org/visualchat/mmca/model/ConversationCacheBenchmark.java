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
 * What a chat round costs as the conversation grows, re-decoding the whole history (a fresh cache per round)
 * against keeping the conversation's cache: random LLaMA H 512 × 8 layers (BF16 weights), each round 96 text
 * ids and one new 65-token image, 8 generated tokens that join the history as they are (a plain main, not a test):
 * {@code java -cp "mmca/target/test-classes:mmca/target/visualchat-mmca-0.1.0-SNAPSHOT.jar:mmca/target/lib/*"
 * --add-modules jdk.incubator.vector org.visualchat.mmca.model.ConversationCacheBenchmark [rounds]}.
 */
public final class ConversationCacheBenchmark {
    private static final int IMAGE = 3999, EOS = 3998, TEXT = 96, NEW_TOKENS = 8;

    public static void main(String[] args) {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 6;
        LlamaModel llama = LlamaModel.random(LlamaConfig.of(512, 1376, 8, 8, 8, 4000), 1, DType.BF16);
        ClipVisionEncoder clip = new ClipVisionEncoder(new ClipVisionConfig(128, 512, 2, 4, 112, 14, 3, Activation.QUICK_GELU, 1e-5f), 2);
        VisualChatModel model = new VisualChatModel(clip, llama, new BaselineProjection(128, 512, 4),
                VisualChatOptions.defaults().withAttention(MmcaMode.STRICT).withTokens(IMAGE, EOS, EOS));
        Tensor images = model.imageEmbeddings(null, Tensor.randn(3, 1f, rounds, 3, 112, 112));
        System.out.printf(Locale.ROOT, "round  positions  re-decode ms  cached ms  (strict MMCA, %d new tokens per round)%n", NEW_TOKENS);
        for (int pass = 0; pass < 2; pass++) {                  // the first pass warms the JIT up; the second is printed
            int[] history = new int[0];
            double[] total = new double[2];
            try (ConversationCache kept = new ConversationCache(llama, MmcaMode.STRICT)) {
                for (int r = 0; r < rounds; r++) {
                    int[] prompt = Arrays.copyOf(history, history.length + TEXT + 1);
                    for (int i = 0; i < TEXT; i++) prompt[history.length + 1 + i] = 3 + (r * 131 + i * 31) % 3900;
                    prompt[history.length] = IMAGE;
                    Tensor shown = images.narrow(0, 0, r + 1);
                    long t0 = System.nanoTime();
                    int[] redecoded;
                    try (ConversationCache fresh = new ConversationCache(llama, MmcaMode.STRICT)) {
                        redecoded = model.generate(fresh, prompt, shown, NEW_TOKENS, null, t -> {});
                    }
                    long t1 = System.nanoTime();
                    int[] cached = model.generate(kept, prompt, shown, NEW_TOKENS, null, t -> {});
                    long t2 = System.nanoTime();
                    if (!Arrays.equals(redecoded, cached)) throw new AssertionError("round " + (r + 1) + ": answers differ");
                    total[0] += (t1 - t0) / 1e6;
                    total[1] += (t2 - t1) / 1e6;
                    if (pass == 1) {
                        System.out.printf(Locale.ROOT, "%5d  %9d  %12.0f  %9.0f%n", r + 1, prompt.length + (r + 1) * 64, (t1 - t0) / 1e6, (t2 - t1) / 1e6);
                    }
                    history = Arrays.copyOf(prompt, prompt.length + cached.length);
                    System.arraycopy(cached, 0, history, prompt.length, cached.length);
                }
            }
            if (pass == 1) System.out.printf(Locale.ROOT, "total             %12.0f  %9.0f  (%.1fx)%n", total[0], total[1], total[0] / total[1]);
        }
    }
}
