package org.visualchat.mmca.train;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.visualchat.autograd.Variable;
import org.visualchat.mmca.model.TinyModels;
import org.visualchat.mmca.model.VisualChatModel;
import org.visualchat.mmca.model.VisualChatOptions;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
    void resumingFromACheckpointEqualsTheUninterruptedRun(@TempDir Path dir) throws Exception {
        ToyData data = new ToyData(9, 200);
        Map<String, Object> o = Map.of("num_train_epochs", 2, "gradient_accumulation_steps", 2, "learning_rate", 1e-2, "save_steps", 1);
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
}
