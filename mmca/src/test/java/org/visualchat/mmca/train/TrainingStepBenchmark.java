package org.visualchat.mmca.train;

import org.visualchat.autograd.NoGrad;
import org.visualchat.autograd.Variable;
import org.visualchat.llama.model.LlamaConfig;
import org.visualchat.llama.model.LlamaModel;
import org.visualchat.mmca.attention.MmcaAttention;
import org.visualchat.mmca.attention.MmcaMode;
import org.visualchat.mmca.model.BaselineProjection;
import org.visualchat.mmca.model.ModelInput;
import org.visualchat.mmca.model.ShiftedLoss;
import org.visualchat.mmca.model.SplicedBatch;
import org.visualchat.mmca.model.VisualChatModel;
import org.visualchat.mmca.model.VisualChatOptions;
import org.visualchat.nn.Activation;
import org.visualchat.nn.AttentionPolicy;
import org.visualchat.nn.optim.AdamW;
import org.visualchat.nn.optim.ParamGroup;
import org.visualchat.tensor.DType;
import org.visualchat.tensor.Tensor;
import org.visualchat.vision.encoder.ClipVisionConfig;
import org.visualchat.vision.encoder.ClipVisionEncoder;

import java.util.Arrays;
import java.util.Locale;

/**
 * Times one training step of a small VisualChat model, phase by phase (a plain main, not a test):
 * where the step goes between the frozen decoder and the trainable parts, and MMCA's streamed
 * kernel against the matmul-based causal attention on the same decoder. Medians of {@code reps}.
 * Run: {@code java -cp ... org.visualchat.mmca.train.TrainingStepBenchmark [reps]}.
 */
public final class TrainingStepBenchmark {
    static final int IMAGE = 1999, EOS = 2;

    public static void main(String[] args) {
        int reps = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        LlamaModel llama = LlamaModel.random(LlamaConfig.of(256, 688, 4, 8, 8, 2000), 1, DType.F32);
        ClipVisionEncoder clip = new ClipVisionEncoder(new ClipVisionConfig(128, 512, 2, 4, 112, 14, 3, Activation.QUICK_GELU, 1e-5f), 2);
        VisualChatModel model = new VisualChatModel(clip, llama, new BaselineProjection(128, 256, 3),
                VisualChatOptions.defaults().withTokens(IMAGE, EOS, EOS));
        ModelInput input = batch();
        AdamW optimizer = new AdamW(ParamGroup.reference(model.trainableParameters(), 1e-3, 1e-3, 0));
        String[] names = {"vision encoder (frozen, no grad)", "projection forward", "splice (embedding copy)", "decoder forward (MMCA strict)",
                "loss", "backward, all", "backward of trainable parts only", "AdamW step", "decoder forward (nn causal, matmul)",
                "decoder forward+backward (MMCA strict)", "decoder forward+backward (nn causal)"};
        double[][] t = new double[names.length][reps];
        int tokens = 0, positions = 0;
        for (int r = -2; r < reps; r++) {
            long t0 = System.nanoTime();
            Variable features = clip.encode(input.pixels());
            long t1 = System.nanoTime();
            Variable projected = model.projection().forward(features);
            long t2 = System.nanoTime();
            SplicedBatch s = spliceWith(model, input, projected);
            long t3 = System.nanoTime();
            Variable logits = model.logits(s, false);
            long t4 = System.nanoTime();
            Variable loss = ShiftedLoss.crossEntropy(logits, s.labels());
            long t5 = System.nanoTime();
            loss.backward();
            long t6 = System.nanoTime();
            optimizer.zeroGrad();
            // Trainable parts alone: the same graph up to the spliced embeddings, fed a gradient directly.
            SplicedBatch again = spliceWith(model, input, model.projection().forward(features));
            long t7 = System.nanoTime();
            again.embeddings().backward(Tensor.randn(5, 1f, again.embeddings().shape()));
            long t8 = System.nanoTime();
            optimizer.step();
            long t9 = System.nanoTime();
            optimizer.zeroGrad();
            Variable causal;
            try (NoGrad ignored = NoGrad.enter()) {
                long c0 = System.nanoTime();
                causal = llama.forward(s.embeddings().detach(), LlamaModel.positions(0, s.length()), AttentionPolicy.causal());
                t[8][Math.max(r, 0)] = (System.nanoTime() - c0) / 1e6;
            }
            double mmcaFb = decoderStep(llama, s, MmcaAttention.of(MmcaMode.STRICT, s.codes())), causalFb = decoderStep(llama, s, AttentionPolicy.causal());
            if (r < 0) continue;
            long[] marks = {t0, t1, t2, t3, t4, t5, t6};
            for (int i = 0; i < 6; i++) t[i][r] = (marks[i + 1] - marks[i]) / 1e6;
            t[6][r] = (t8 - t7) / 1e6;
            t[7][r] = (t9 - t8) / 1e6;
            t[9][r] = mmcaFb;
            t[10][r] = causalFb;
            tokens = realTokens(s);
            positions = s.length();
            if (causal.value().numel() == 0) throw new AssertionError();
        }
        double step = 0;
        double[] med = new double[names.length];
        for (int i = 0; i < names.length; i++) {
            double[] sorted = t[i].clone();
            Arrays.sort(sorted);
            med[i] = sorted[reps / 2];
        }
        for (int i = 0; i < 6; i++) step += med[i];
        step += med[7];
        double trainable = med[1] + med[2] + med[6] + med[7];
        double decoder = med[3] + med[4] + (med[5] - med[6]);
        System.out.printf(Locale.ROOT, "batch %d x %d positions, %d real tokens; step %.1f ms = %.0f tokens/s%n", input.batch(), positions, tokens, step, tokens / (step / 1e3));
        for (int i = 0; i < names.length; i++) System.out.printf(Locale.ROOT, "  %-42s %8.2f ms%n", names[i], med[i]);
        System.out.printf(Locale.ROOT, "share of step: frozen decoder fwd+bwd (incl. loss) %.1f%%, vision encoder %.1f%%, trainable parts (projection, splice, their backward, AdamW) %.1f%%%n",
                100 * decoder / step, 100 * med[0] / step, 100 * trainable / step);
        System.out.printf(Locale.ROOT, "decoder fwd: MMCA strict / nn causal = %.2f; decoder fwd+bwd: MMCA strict / nn causal = %.2f%n",
                med[3] / med[8], med[9] / med[10]);
    }

    static double decoderStep(LlamaModel llama, SplicedBatch s, AttentionPolicy policy) {
        Variable embeds = Variable.parameter(s.embeddings().value());
        long t0 = System.nanoTime();
        ShiftedLoss.crossEntropy(llama.forward(embeds, LlamaModel.positions(0, s.length()), policy), s.labels()).backward();
        return (System.nanoTime() - t0) / 1e6;
    }

    static SplicedBatch spliceWith(VisualChatModel model, ModelInput in, Variable projected) {
        return new org.visualchat.mmca.model.ImageSplicer(IMAGE, EOS, false)
                .splice(in.ids(), in.codes(), in.labels(), in.imageCounts(), projected, model.langEmbed().weight(), VisualChatModel.TRAINING_PAD_MULTIPLE);
    }

    static int realTokens(SplicedBatch s) {
        int n = 0;
        for (int[] row : s.codes()) for (int c : row) if (c != 0) n++;
        return n;
    }

    /** Two rows of ~200 text tokens with two images each (64 + CLS = 65 positions per image). */
    static ModelInput batch() {
        int len = 200;
        int[][] ids = new int[2][len], codes = new int[2][len], labels = new int[2][len];
        for (int r = 0; r < 2; r++) {
            for (int i = 0; i < len; i++) {
                ids[r][i] = 3 + (i * 37 + r * 11) % 1900;
                codes[r][i] = 1;
                labels[r][i] = i > len / 2 ? ids[r][i] : -100;
            }
            ids[r][10] = IMAGE;
            ids[r][60] = IMAGE;
            labels[r][10] = labels[r][60] = -100;
        }
        return new ModelInput(ids, codes, labels, new int[] {2, 2}, Tensor.randn(9, 1f, 4, 3, 112, 112));
    }
}
