package org.visualchat.mmca.demo;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.IntFunction;
import org.visualchat.autograd.ShardedBackward;
import org.visualchat.autograd.Variable;
import org.visualchat.llama.model.LlamaModel;
import org.visualchat.llama.tokenizer.LlamaTokenizer;
import org.visualchat.mmca.attention.MmcaMode;
import org.visualchat.mmca.bench.Stopwatch;
import org.visualchat.mmca.bench.TrainStepWorkload;
import org.visualchat.mmca.demo.world.Dialogue;
import org.visualchat.mmca.demo.world.DialogueGenerator;
import org.visualchat.mmca.demo.world.Split;
import org.visualchat.mmca.model.VisualChatModel;
import org.visualchat.mmca.train.ProgressBar;
import org.visualchat.nn.NamePattern;
import org.visualchat.tensor.DType;
import org.visualchat.vision.encoder.ClipVisionEncoder;

/**
 * What one optimisation step of the demo's two big stages costs at a given size (issue 7): stage 3 (the LLaMA
 * pretrained on captioned conversations, {@link LanguagePretraining#shards}) and stage 4 (frozen ViT and LLaMA,
 * projection and embedding copy trained under MMCA strict, {@link MmcaTraining}), each step exactly as the demo
 * runs it through {@link TrainLoop} (batch building, forward, backward, clipping, AdamW). Weights start random:
 * a step's cost does not depend on them. The process's CPU time (every thread, GC and JIT included) is what the
 * demo's budget is counted in, so that is the headline figure; wall time is printed beside it.
 *
 * <p>The losses of the timed steps are printed to nine digits: two builds whose figures agree computed the same
 * steps (a speed change that claims bit-identical training must leave them unchanged).
 */
public final class DemoStepTiming {
    private DemoStepTiming() {}

    /**
     * Seconds per step after {@code warmup} untimed ones: the mean and the median of the process's CPU time (the
     * median leaves out the steps a GC or a compilation landed in; on a loaded host it varies less) and the mean
     * wall time; {@code losses} are the timed steps' losses.
     */
    public record Figures(String stage, double processCpu, double medianProcessCpu, double wall, double[] losses) {}

    /** Times stage 3 and stage 4 of {@code config}, printing each figure to {@code out} as it is measured. */
    public static List<Figures> measure(DemoConfig config, int warmup, int steps, PrintStream out) throws IOException {
        Path dir = Files.createTempDirectory("visualchat-demo-timing");
        LlamaTokenizer tokenizer;
        try {
            tokenizer = DemoTokenizer.build(dir, DemoData.corpus(DemoData.dialogues(config, Split.TRAIN)));
        } finally {
            Files.deleteIfExists(dir.resolve("tokenizer.json"));
            Files.delete(dir);
        }
        DemoData data = new DemoData(tokenizer);
        List<Figures> all = new ArrayList<>();

        LlamaModel lm = LlamaModel.random(LanguagePretraining.modelConfig(config, tokenizer.vocabSize()), config.seed() + 10, DType.F32);
        lm.unfreeze(NamePattern.glob("**"));
        DialogueGenerator stream = DemoData.stream(config, Split.TRAIN);
        all.add(print(out, time("stage 3 (LLaMA pretraining)", lm.trainableParameters(), config.lmLr(), warmup, steps,
                t -> LanguagePretraining.shards(lm, data, stream.next(config.lmBatch()), config.trainShards()))));

        lm.freeze(NamePattern.glob("**"));
        VisualChatModel model = MmcaTraining.model(config, new ClipVisionEncoder(VisionPretraining.encoderConfig(config), config.seed()), lm, data, MmcaMode.STRICT);
        List<Dialogue> train = DemoData.dialogues(config, Split.TRAIN);
        all.add(print(out, time("stage 4 (MMCA strict)", model.trainableParameters(), config.mmcaLr(), warmup, steps,
                t -> MmcaTraining.shards(model, data, MmcaTraining.batch(config, train, t), config.trainShards()))));
        return all;
    }

    private static Figures time(String stage, java.util.Map<String, Variable> params, double lr, int warmup, int steps, IntFunction<List<ShardedBackward.Shard>> shardsOfStep) {
        double[] cpuAt = new double[warmup + steps + 1], wallAt = new double[warmup + steps + 1];
        cpuAt[0] = TrainStepWorkload.processCpuSeconds();
        wallAt[0] = System.nanoTime() / 1e9;
        double[] losses = TrainLoop.run(params, lr, warmup + steps, new ProgressBar(System.err, stage, warmup + steps, false), shardsOfStep, t -> {
            cpuAt[t + 1] = TrainStepWorkload.processCpuSeconds();
            wallAt[t + 1] = System.nanoTime() / 1e9;
        });
        double[] perStep = new double[steps];
        for (int i = 0; i < steps; i++) perStep[i] = cpuAt[warmup + i + 1] - cpuAt[warmup + i];
        return new Figures(stage, (cpuAt[warmup + steps] - cpuAt[warmup]) / steps, Stopwatch.median(perStep),
                (wallAt[warmup + steps] - wallAt[warmup]) / steps, Arrays.copyOfRange(losses, warmup, warmup + steps));
    }

    private static Figures print(PrintStream out, Figures f) {
        StringBuilder losses = new StringBuilder();
        for (double l : f.losses()) losses.append(String.format(java.util.Locale.ROOT, " %.9g", l));
        out.printf(java.util.Locale.ROOT, "%-28s %.4f CPU-s per step (process, GC and JIT included; median %.4f), %.4f s wall; losses%s%n",
                f.stage(), f.processCpu(), f.medianProcessCpu(), f.wall(), losses);
        return f;
    }
}
