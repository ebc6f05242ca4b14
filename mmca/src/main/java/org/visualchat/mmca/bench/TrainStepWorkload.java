package org.visualchat.mmca.bench;

import org.visualchat.autograd.NoGrad;
import org.visualchat.autograd.Variable;
import org.visualchat.llama.model.LlamaConfig;
import org.visualchat.llama.model.LlamaModel;
import org.visualchat.mmca.attention.MmcaMode;
import org.visualchat.mmca.model.BaselineProjection;
import org.visualchat.mmca.model.ImageSplicer;
import org.visualchat.mmca.model.ModelInput;
import org.visualchat.mmca.model.SplicedBatch;
import org.visualchat.mmca.model.VisualChatModel;
import org.visualchat.mmca.model.VisualChatOptions;
import org.visualchat.nn.Activation;
import org.visualchat.nn.optim.AdamW;
import org.visualchat.nn.optim.ParamGroup;
import org.visualchat.tensor.DType;
import org.visualchat.tensor.Tensor;
import org.visualchat.vision.encoder.ClipVisionConfig;
import org.visualchat.vision.encoder.ClipVisionEncoder;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Locale;

/**
 * One VisualChat training step of a small model, split into phases so the share of the frozen decoder
 * can be read off (issue 6): frozen CLIP encoder (no graph) → trainable projection and splice into the
 * trainable embedding copy → frozen LLaMA with MMCA + shifted loss → backward → AdamW.
 *
 * <p>The backward runs in two calls that together do exactly the work of one: first from the loss to a
 * leaf standing in for the spliced embeddings (the frozen decoder: only input gradients flow), then
 * from the spliced embeddings with that gradient (the trainable parts). The trainer's single
 * {@code loss.backward()} visits the same nodes in the same order.
 *
 * <p>Default shape ({@link #small}): LLaMA H 256, 4 layers, 8 heads, SwiGLU 688, vocab 2000; CLIP H 128,
 * 2 layers, 112 px / 14 (65 tokens per image); 2 rows of 200 text ids with two images each, padded to
 * 328 positions (656 real tokens). Weights and pixels are random and seeded.
 */
public final class TrainStepWorkload {
    /** Phases of a step, in order; {@link #step} fills one nanosecond figure per phase. */
    public static final String[] PHASES = {"vision encoder (frozen, no graph)", "projection + splice forward",
            "decoder forward + loss (frozen)", "decoder backward (frozen, dX only)", "projection + embedding backward", "AdamW step"};
    /** Indices into {@link #PHASES} of the frozen decoder's forward and backward. */
    public static final int DECODER_FORWARD = 2, DECODER_BACKWARD = 3;

    static final int IMAGE = 1999, EOS = 2;

    private final VisualChatModel model;
    private final ModelInput input;
    private final ImageSplicer splicer;
    private final AdamW optimizer;
    private final int realTokens;
    private double lastLoss = Double.NaN;

    private TrainStepWorkload(VisualChatModel model, ModelInput input) {
        this.model = model;
        this.input = input;
        this.splicer = new ImageSplicer(IMAGE, EOS, false);
        this.optimizer = new AdamW(ParamGroup.reference(model.trainableParameters(), 1e-3, 1e-3, 0));
        int n = 0;
        try (NoGrad ignored = NoGrad.enter()) {
            for (int[] row : model.splice(input, VisualChatModel.TRAINING_PAD_MULTIPLE).codes()) for (int c : row) if (c != 0) n++;
        }
        this.realTokens = n;
    }

    /** The default small configuration (see the class comment), {@code layers} decoder layers, MMCA strict. */
    public static TrainStepWorkload small(int layers) {
        if (layers < 1) throw new IllegalArgumentException("decoder layers must be >= 1, got " + layers);
        LlamaModel llama = LlamaModel.random(LlamaConfig.of(256, 688, layers, 8, 8, 2000), 1, DType.F32);
        ClipVisionEncoder clip = new ClipVisionEncoder(new ClipVisionConfig(128, 512, 2, 4, 112, 14, 3, Activation.QUICK_GELU, 1e-5f), 2);
        VisualChatModel model = new VisualChatModel(clip, llama, new BaselineProjection(128, 256, 3),
                VisualChatOptions.defaults().withTokens(IMAGE, EOS, EOS).withAttention(MmcaMode.STRICT));
        return new TrainStepWorkload(model, batch());
    }

    /** Positions that are not padding, images counted at their spliced length: what tokens/s counts. */
    public int realTokens() { return realTokens; }

    /** The loss of the last step (to check that steps do real work). */
    public double lastLoss() { return lastLoss; }

    /**
     * One full training step: {@code wallNanos[i]} receives the wall time of {@link #PHASES}[i] and
     * {@code cpuNanos[i]} (when not null) the CPU time the Java threads spent in it.
     */
    public void step(long[] wallNanos, long[] cpuNanos) {
        long[] wall = new long[PHASES.length + 1], cpu = new long[PHASES.length + 1];
        mark(wall, cpu, 0, cpuNanos != null);
        Variable features = model.encoder().encode(input.pixels());
        mark(wall, cpu, 1, cpuNanos != null);
        SplicedBatch spliced = splicer.splice(input.ids(), input.codes(), input.labels(), input.imageCounts(),
                model.projection().forward(features), model.langEmbed().weight(), VisualChatModel.TRAINING_PAD_MULTIPLE);
        mark(wall, cpu, 2, cpuNanos != null);
        Variable embeds = Variable.parameter(spliced.embeddings().value());
        Variable loss = model.loss(new SplicedBatch(embeds, spliced.codes(), spliced.labels()), false);
        mark(wall, cpu, 3, cpuNanos != null);
        loss.backward();
        mark(wall, cpu, 4, cpuNanos != null);
        spliced.embeddings().backward(embeds.grad());
        mark(wall, cpu, 5, cpuNanos != null);
        optimizer.step();
        optimizer.zeroGrad();
        mark(wall, cpu, 6, cpuNanos != null);
        lastLoss = loss.value().get();
        for (int i = 0; i < PHASES.length; i++) {
            wallNanos[i] = wall[i + 1] - wall[i];
            if (cpuNanos != null) cpuNanos[i] = cpu[i + 1] - cpu[i];
        }
    }

    private static void mark(long[] wall, long[] cpu, int at, boolean withCpu) {
        if (withCpu) cpu[at] = javaThreadsCpuNanos();
        wall[at] = System.nanoTime();
    }

    /**
     * CPU nanoseconds the JVM's Java threads (caller and kernel pool; not GC or JIT compiler threads)
     * have used so far, or −1 where the JVM does not say: the step's own work, and on a loaded host far
     * steadier than wall time.
     */
    public static long javaThreadsCpuNanos() {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        if (!threads.isThreadCpuTimeSupported()) return -1;
        long ns = 0;
        for (long id : threads.getAllThreadIds()) ns += Math.max(0, threads.getThreadCpuTime(id));
        return ns;
    }

    /** CPU seconds this process has used so far (all threads), or NaN where the JVM does not say. */
    public static double processCpuSeconds() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            long ns = os.getProcessCpuTime();
            return ns < 0 ? Double.NaN : ns / 1e9;
        }
        return Double.NaN;
    }

    public String describe() {
        var c = model.decoder().config();
        return String.format(Locale.ROOT, "LLaMA H %d, %d layers, %d heads, ffn %d, vocab %d; CLIP 112 px / 14; batch %d rows, %d real tokens",
                c.hiddenSize(), c.layers(), c.heads(), c.intermediateSize(), c.vocabSize(), input.ids().length, realTokens);
    }

    /** Two rows of 200 text ids with two {@code <image>} ids each; answers supervised in the second half. */
    private static ModelInput batch() {
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
