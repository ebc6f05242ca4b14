package org.visualchat.mmca.train;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.visualchat.autograd.Variable;
import org.visualchat.mmca.model.TinyModels;
import org.visualchat.mmca.model.VisualChatModel;
import org.visualchat.mmca.model.VisualChatOptions;
import org.visualchat.tensor.DType;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TrainerTest {
    static TrainConfig config(Path out, Map<String, Object> overrides) throws Exception {
        Map<String, Object> o = new HashMap<>(Map.of("output_dir", out.toString(), "per_device_train_batch_size", 2,
                "per_device_eval_batch_size", 2, "seed", 7));
        o.putAll(overrides);
        return TrainConfig.resolve(null, o);
    }

    static PrintStream quiet() {
        return new PrintStream(new ByteArrayOutputStream());
    }

    @Test
    void aTinyModelOverfitsAFewMultiImageSamples(@TempDir Path out) throws Exception {
        VisualChatModel model = TinyModels.model(VisualChatOptions.defaults(), 11);
        ToyData data = new ToyData(4, 100);
        TrainConfig c = config(out, Map.of("num_train_epochs", 40, "learning_rate", 3e-2, "data_train_split_ratio", 1.0));
        double before = model.loss(data.batch(new int[] {0, 1, 2, 3}), false).value().get();
        Trainer.Summary summary = new Trainer(model, c, quiet(), false).train(data);
        double after = model.loss(data.batch(new int[] {0, 1, 2, 3}), false).value().get();
        assertEquals(80, summary.steps());
        System.out.printf("overfit: loss %.4f -> %.4f in %d steps%n", before, after, summary.steps());
        assertTrue(after < 0.1 * before, "loss " + before + " -> " + after);
        assertTrue(Files.readAllLines(out.resolve("train_log.csv")).size() == 81);
        assertTrue(Files.readString(out.resolve("loss_curve.svg")).contains("<polyline"));
        assertTrue(Files.isRegularFile(out.resolve("epoch-40").resolve("model.safetensors")));
    }

    @Test
    void resumingFromACheckpointEqualsTheUninterruptedRun(@TempDir Path root) throws Exception {
        for (String precision : new String[] {"fp32", "fp16"}) resumeEqualsUninterrupted(root.resolve(precision), precision);
    }

    /** fp16 also restores the F16 values' masters and the loss scaler's state. */
    static void resumeEqualsUninterrupted(Path dir, String precision) throws Exception {
        ToyData data = new ToyData(9, 200);
        Map<String, Object> o = Map.of("num_train_epochs", 2, "gradient_accumulation_steps", 2, "learning_rate", 1e-2, "save_steps", 1, "precision", precision);
        VisualChatModel whole = TinyModels.model(VisualChatOptions.defaults(), 21);
        Trainer.Summary full = new Trainer(whole, config(dir.resolve("whole"), o), quiet(), false).train(data);

        // 8 train samples / batch 2 = 4 batches = 2 updates per epoch: stop after update 3, mid epoch 2.
        Path split = dir.resolve("split");
        new Trainer(TinyModels.model(VisualChatOptions.defaults(), 21), config(split, o), quiet(), false).stopAfter(3).train(data);
        VisualChatModel resumed = TinyModels.model(VisualChatOptions.defaults(), 21);
        Trainer.Summary rest = new Trainer(resumed, config(split, o), quiet(), false).train(data);

        // Bit for bit, although the two runs execute at different JIT stages: every lane reduction has
        // one fixed order (tensor LaneSum), so compiled and interpreted code round alike.
        assertEquals(full.steps(), rest.steps());
        for (Map.Entry<String, Variable> p : whole.trainableParameters().entrySet()) {
            float[] a = p.getValue().value().toFloatArray(), b = resumed.trainableParameters().get(p.getKey()).value().toFloatArray();
            for (int i = 0; i < a.length; i++) assertEquals(Float.floatToRawIntBits(a[i]), Float.floatToRawIntBits(b[i]), p.getKey() + "[" + i + "]");
        }
        List<String> a = Files.readAllLines(dir.resolve("whole").resolve("train_log.csv")), b = Files.readAllLines(split.resolve("train_log.csv"));
        assertEquals(a.size(), b.size());
        for (int i = 1; i < a.size(); i++) {
            assertEquals(a.get(i).split(",")[2], b.get(i).split(",")[2], "loss of step " + i);
            assertEquals(a.get(i).split(",")[3], b.get(i).split(",")[3], "learning rate of step " + i);
        }
        assertEquals(full.evalLosses().getLast(), rest.evalLosses().getLast());
    }

    @Test
    void bf16TrainsHalfPrecisionParametersWithF32Masters(@TempDir Path out) throws Exception {
        VisualChatModel model = TinyModels.model(VisualChatOptions.defaults(), 31);
        ToyData data = new ToyData(4, 300);
        double before = model.loss(data.batch(new int[] {0, 1, 2, 3}), false).value().get();
        new Trainer(model, config(out, Map.of("num_train_epochs", 10, "learning_rate", 3e-2, "precision", "bf16", "data_train_split_ratio", 1.0)),
                quiet(), false).train(data);
        for (Variable p : model.trainableParameters().values()) assertEquals(org.visualchat.tensor.DType.BF16, p.value().dtype());
        double after = model.loss(data.batch(new int[] {0, 1, 2, 3}), false).value().get();
        assertTrue(after < 0.7 * before, "loss " + before + " -> " + after);
    }
    /** Column {@code column} of every train_log.csv row. */
    static double[] column(Path out, int column) throws Exception {
        return Files.readAllLines(out.resolve("train_log.csv")).stream().skip(1).mapToDouble(l -> Double.parseDouble(l.split(",")[column])).toArray();
    }

    /** Trains {@code model} on the toy data in {@code precision} for 10 epochs (20 steps); returns the console output. */
    static String train(VisualChatModel model, Path out, String precision) throws Exception {
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        new Trainer(model, config(out, Map.of("num_train_epochs", 10, "learning_rate", 3e-2, "data_train_split_ratio", 1.0, "precision", precision)),
                new PrintStream(console), false).train(new ToyData(4, 300));
        for (Variable p : model.trainableParameters().values()) {
            assertEquals(precision.equals("fp16") ? DType.F16 : DType.F32, p.value().dtype());
        }
        return console.toString();
    }

    @Test
    void fp16TracksTheFp32RunWhileNoStepOverflows(@TempDir Path dir) throws Exception {
        // A decoder with a PyTorch-sized LM head: gradients of order 1e-2, so 2^16 × gradient fits F16.
        train(TinyModels.model(VisualChatOptions.defaults(), 41, false), dir.resolve("fp32"), "fp32");
        String console = train(TinyModels.model(VisualChatOptions.defaults(), 41, false), dir.resolve("fp16"), "fp16");
        assertFalse(console.contains("overflow"), console);
        double[] full = column(dir.resolve("fp32"), 2), half = column(dir.resolve("fp16"), 2);
        assertEquals(20, half.length);
        // Stated tolerance: every step's loss within 1e-3 relative of fp32 (measured: 3e-5; F16 keeps 11 bits).
        for (int i = 0; i < full.length; i++) assertEquals(full[i], half[i], 1e-3 * full[i], "loss of step " + (i + 1));
        assertTrue(half[19] < 0.8 * half[0], "fp16 training learns: " + half[0] + " -> " + half[19]);
    }

    @Test
    void fp16SkipsOverflowingStepsAndHalvesTheScaleAfterTheHysteresis(@TempDir Path dir) throws Exception {
        // The overfitting model's ×8 LM head gives gradients near 1: 2^16 × that overflows F16.
        String console = train(TinyModels.model(VisualChatOptions.defaults(), 31), dir.resolve("fp16"), "fp16");
        assertTrue(console.contains("skipping step, loss scale 65536 -> 65536"), "first overflow uses up hysteresis 2:\n" + console);
        assertTrue(console.contains("skipping step, loss scale 65536 -> 32768"), "second overflow halves:\n" + console);
        long skips = console.lines().filter(l -> l.contains("skipping step")).count();
        // A skipped step does not advance the LR schedule either (DeepSpeed), so its LR repeats in the next
        // row; warmup and cosine otherwise change the LR at every step.
        double[] lr = column(dir.resolve("fp16"), 3);
        int repeats = 0;
        for (int i = 1; i < lr.length; i++) if (lr[i] == lr[i - 1]) repeats++;
        assertEquals(skips, repeats, "LR repeats after skipped steps: " + java.util.Arrays.toString(lr));
        double[] loss = column(dir.resolve("fp16"), 2);
        assertTrue(loss[19] < 0.8 * loss[0], "training goes on after the skips: " + loss[0] + " -> " + loss[19]);
    }
}
