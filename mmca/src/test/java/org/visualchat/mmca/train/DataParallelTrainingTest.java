package org.visualchat.mmca.train;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.visualchat.mmca.model.TinyModels;
import org.visualchat.mmca.model.VisualChatOptions;
import org.visualchat.parallel.GroupOptions;
import org.visualchat.parallel.Launcher;
import org.visualchat.parallel.ProcessGroup;
import org.visualchat.tensor.Tensor;
import org.visualchat.tensor.io.SafetensorsFile;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code visualchat train} data-parallel (ranks as threads on real loopback sockets) against one process with the
 * same global batch. With one sample per rank and micro-step, W ranks × accumulation k train exactly the samples of
 * one process with accumulation W·k, and both average per-sample mean losses, so the runs agree up to float
 * summation order: every logged loss within 1e-5, every trained parameter within {@link #TOL}.
 */
class DataParallelTrainingTest {
    /** Ring averages and per-rank partial sums round differently from the one-process sums; AdamW barely amplifies that. */
    static final double TOL = 2e-5;
    /** fp16: one F16 ulp of the largest trained weights (|w| < 2: 2^-10), see {@link #fp16EqualsOneProcessFp16WithTheSameGlobalBatch}. */
    static final double FP16_TOL = 1e-3;
    static final int SAMPLES = 8, SEED = 41;
    static final byte[] SECRET = "train-test-secret-0123".getBytes(StandardCharsets.UTF_8);

    static Map<String, Object> options(int accumulation, Map<String, Object> more) {
        Map<String, Object> o = new HashMap<>(Map.of("num_train_epochs", 2, "gradient_accumulation_steps", accumulation, "learning_rate", 1e-2,
                "per_device_train_batch_size", 1, "data_train_split_ratio", 1.0, "gradient_clipping", 0.5, "reduce_bucket_size", 1000));
        o.putAll(more);
        return o;
    }

    /** One process (no group), the existing single-process path. */
    static Path single(Path out, int accumulation, Map<String, Object> more) throws Exception {
        new Trainer(TinyModels.model(VisualChatOptions.defaults(), SEED), TrainerTest.config(out, options(accumulation, more)), TrainerTest.quiet(), false)
                .train(new ToyData(SAMPLES, 500));
        return out;
    }

    /** {@code world} ranks training into {@code out}; {@code stopAfter} updates, or all. */
    static Path ranks(Path out, int world, int accumulation, Map<String, Object> more, long stopAfter) throws Exception {
        ranks(out, world, accumulation, more, stopAfter, new ToyData(SAMPLES, 500));
        return out;
    }

    /** Every rank's summary of training on {@code data}. */
    static List<Trainer.Summary> ranks(Path out, int world, int accumulation, Map<String, Object> more, long stopAfter, TrainingData data) throws Exception {
        int port = Launcher.freePort();
        ExecutorService pool = Executors.newFixedThreadPool(world);
        try {
            List<Future<Trainer.Summary>> futures = new ArrayList<>();
            for (int r = 0; r < world; r++) {
                GroupOptions o = GroupOptions.of(r, world, "127.0.0.1", port, SECRET).withTimeout(Duration.ofSeconds(60));
                futures.add(pool.submit(() -> {
                    try (ProcessGroup pg = ProcessGroup.create(o)) {
                        TrainConfig c = TrainerTest.config(out, options(accumulation, more));
                        return new Trainer(TinyModels.model(VisualChatOptions.defaults(), SEED), c, TrainerTest.quiet(), false)
                                .dataParallel(pg).stopAfter(stopAfter).train(data);
                    }
                }));
            }
            List<Trainer.Summary> summaries = new ArrayList<>();
            for (Future<Trainer.Summary> f : futures) summaries.add(f.get(300, TimeUnit.SECONDS));
            return summaries;
        } finally {
            pool.shutdownNow();
        }
    }

    static Map<String, Tensor> trained(Path out) throws Exception {
        Map<String, Tensor> m = new LinkedHashMap<>();
        try (SafetensorsFile f = SafetensorsFile.open(out.resolve("epoch-2").resolve("model.safetensors"))) {
            for (String n : f.names()) m.put(n, f.tensor(n).to(org.visualchat.tensor.DType.F32).copy());
        }
        return m;
    }

    static List<double[]> log(Path out) throws Exception {
        List<double[]> rows = new ArrayList<>();
        List<String> lines = Files.readAllLines(out.resolve("train_log.csv"));
        for (String line : lines.subList(1, lines.size())) {
            String[] f = line.split(",");
            rows.add(new double[] {Double.parseDouble(f[1]), Double.parseDouble(f[2]), Double.parseDouble(f[3]), Double.parseDouble(f[4])});
        }
        return rows;
    }

    static void assertSameTraining(Path want, Path got) throws Exception {
        assertSameTraining(want, got, TOL);
    }

    static void assertSameTraining(Path want, Path got, double tolerance) throws Exception {
        List<double[]> a = log(want), b = log(got);
        assertEquals(a.size(), b.size(), "optimizer steps");
        for (int i = 0; i < a.size(); i++) {
            assertEquals(a.get(i)[0], b.get(i)[0], "step");
            assertEquals(a.get(i)[1], b.get(i)[1], 1e-5, "loss of step " + (i + 1));
            assertEquals(a.get(i)[2], b.get(i)[2], 1e-12, "learning rate of step " + (i + 1));
            assertEquals(a.get(i)[3], b.get(i)[3], "tokens of step " + (i + 1) + ", summed over ranks");
        }
        List<String> evalA = Files.readAllLines(want.resolve("eval_log.csv")), evalB = Files.readAllLines(got.resolve("eval_log.csv"));
        assertEquals(evalA.size(), evalB.size(), "evaluations");
        for (int i = 1; i < evalA.size(); i++) {
            assertEquals(Double.parseDouble(evalA.get(i).split(",")[2]), Double.parseDouble(evalB.get(i).split(",")[2]), 1e-5, "eval loss " + i);
        }
        Map<String, Tensor> p = trained(want), q = trained(got);
        assertEquals(p.keySet(), q.keySet());
        for (String n : p.keySet()) {
            float[] x = p.get(n).toFloatArray(), y = q.get(n).toFloatArray();
            for (int i = 0; i < x.length; i++) assertEquals(x[i], y[i], tolerance, n + "[" + i + "]");
        }
    }

    /**
     * With a 0.75 split, 6 training samples on 2 ranks give 3 micro-steps per rank and epoch, so each epoch ends with
     * a one-micro-step update (both sides scale it by 1/accumulation) and the held-out 2 are evaluated on every rank.
     */
    @ParameterizedTest(name = "stage {0}, p = {1}, overlap {2}, split {3}")
    @CsvSource({"0,2,false,1.0", "1,2,true,0.75", "2,2,false,1.0", "2,4,true,1.0", "3,2,false,0.75"})
    void equalsOneProcessWithTheSameGlobalBatch(int stage, int world, boolean overlap, double split, @TempDir Path dir) throws Exception {
        Path want = single(dir.resolve("single"), world * 2, Map.of("data_train_split_ratio", split));
        Path got = ranks(dir.resolve("dp"), world, 2, Map.of("zero_stage", stage, "overlap_comm", overlap, "data_train_split_ratio", split), Long.MAX_VALUE);
        assertSameTraining(want, got);
        assertEquals(stage > 0, Files.exists(got.resolve("zero").resolve("latest")), "sharded checkpoints from stage 1 on");
    }

    @Test
    void resumesAShardedCheckpointAtAnotherWorldSizeAndStage(@TempDir Path dir) throws Exception {
        Path whole = ranks(dir.resolve("whole"), 2, 2, Map.of("zero_stage", 2), Long.MAX_VALUE);
        // 8 samples / 2 ranks = 4 micro-steps per rank and epoch = 2 updates: stop after update 3, mid epoch 2 ...
        Path split = ranks(dir.resolve("split"), 2, 2, Map.of("zero_stage", 2, "save_steps", 1), 3);
        assertFalse(Files.exists(split.resolve("epoch-2")));
        // ... and finish on one rank under stage 3 with the same global batch (1 sample × 4 micro-steps).
        ranks(split, 1, 4, Map.of("zero_stage", 3), Long.MAX_VALUE);
        assertSameTraining(whole, split);
    }

    /**
     * fp16 with dynamic loss scaling, as the reference's DeepSpeed fp16: the ×8 LM head's gradients overflow F16 at
     * the initial scale 2^16, so steps are skipped. Every rank skips the same steps as the one process (the learning
     * rate, which a skipped step does not advance, repeats in the same rows) and the scale moves alike. The weights
     * agree within {@link #FP16_TOL} (measured: identical): the parameters are F16 values, and a last-bit difference
     * in the F32 masters (summation order) could round a weight to the neighbouring F16 value, one F16 ulp.
     */
    @ParameterizedTest(name = "stage {0}")
    @CsvSource({"0", "1", "2", "3"})
    void fp16EqualsOneProcessFp16WithTheSameGlobalBatch(int stage, @TempDir Path dir) throws Exception {
        Map<String, Object> fp16 = Map.of("precision", "fp16", "num_train_epochs", 4);
        Path want = single(dir.resolve("single"), 4, fp16);
        Map<String, Object> more = new HashMap<>(fp16);
        more.put("zero_stage", stage);
        Path got = ranks(dir.resolve("dp"), 2, 2, more, Long.MAX_VALUE);
        assertSameTraining(want, got, FP16_TOL);
        assertTrue(skippedSteps(got) >= 2, "the scaled head overflows F16 at 2^16 (hysteresis 2: two skips before the scale halves)");
    }

    /** fp16 resumes a sharded checkpoint at another world size and stage with the loss scaler's state (scale, hysteresis, window). */
    @ParameterizedTest(name = "stage {0} on 2 ranks, then stage {1} on 1")
    @CsvSource({"2,3", "0,0"})
    void fp16ResumesWithTheLossScale(int stage, int resumeStage, @TempDir Path dir) throws Exception {
        Path whole = ranks(dir.resolve("whole"), 2, 2, Map.of("zero_stage", stage, "precision", "fp16", "num_train_epochs", 3), Long.MAX_VALUE);
        // 2 updates per epoch: stop after update 3, mid epoch 2, after the overflows have halved the scale ...
        Path split = ranks(dir.resolve("split"), 2, 2, Map.of("zero_stage", stage, "precision", "fp16", "num_train_epochs", 3, "save_steps", 1), 3);
        // ... and finish on one rank: a fresh scaler (2^16) would skip other steps than the uninterrupted run.
        ranks(split, 1, 4, Map.of("zero_stage", resumeStage, "precision", "fp16", "num_train_epochs", 3), Long.MAX_VALUE);
        assertTrue(skippedSteps(whole) >= 2);
        assertSameTraining(whole, split, FP16_TOL);
    }

    /** Optimizer steps skipped for fp16 overflow: the rows whose learning rate repeats the previous row's. */
    static int skippedSteps(Path out) throws Exception {
        List<double[]> rows = log(out);
        int n = 0;
        for (int i = 1; i < rows.size(); i++) if (rows.get(i)[2] == rows.get(i - 1)[2]) n++;
        return n;
    }

    @Test
    void aDifferentGlobalMicroBatchCannotResumeMidEpoch(@TempDir Path dir) throws Exception {
        Path out = ranks(dir.resolve("run"), 2, 2, Map.of("zero_stage", 1, "save_steps", 1), 3);
        Exception e = org.junit.jupiter.api.Assertions.assertThrows(Exception.class,
                () -> ranks(out, 1, 4, Map.of("zero_stage", 1, "per_device_train_batch_size", 3), Long.MAX_VALUE));
        assertTrue(String.valueOf(e.getCause()).contains("not a multiple of per_device_train_batch_size × ranks = 3"), String.valueOf(e.getCause()));
    }

    @ParameterizedTest(name = "stage {0}")
    @CsvSource({"2", "3"})
    void aBatchUnusableOnOneRankIsSkippedOnAll(int stage, @TempDir Path dir) throws Exception {
        ToyData toy = new ToyData(SAMPLES, 500);
        TrainingData oneBad = new TrainingData() {
            @Override public int size() { return toy.size(); }

            @Override public org.visualchat.mmca.model.ModelInput batch(int[] indices) {
                return indices[0] == 5 ? null : toy.batch(indices);      // sample 5: every sample of its batch is bad
            }
        };
        List<Trainer.Summary> s = ranks(dir.resolve("run"), 2, 2, Map.of("zero_stage", stage), Long.MAX_VALUE, oneBad);
        for (Trainer.Summary r : s) {
            assertEquals(4, r.steps());
            assertEquals(2, r.skippedBatches(), "sample 5 once per epoch, skipped on both ranks");
        }
        assertEquals(s.get(0).lastLoss(), s.get(1).lastLoss(), "the logged loss is the mean over ranks");
    }

    @ParameterizedTest(name = "stage {0}")
    @CsvSource({"2,0", "3,2"})
    void aTextOnlyBatchOnOneRankIsSkippedOnAllOnlyUnderZero3(int stage, int skipped, @TempDir Path dir) throws Exception {
        ToyData toy = new ToyData(SAMPLES, 500);
        TrainingData oneTextOnly = new TrainingData() {
            @Override public int size() { return toy.size(); }

            @Override public org.visualchat.mmca.model.ModelInput batch(int[] indices) {
                var in = toy.batch(indices);
                if (indices[0] != 5) return in;
                int[][] ids = new int[in.ids().length][];                      // sample 5 without its images
                for (int r = 0; r < ids.length; r++) ids[r] = java.util.Arrays.stream(in.ids()[r]).map(t -> t == TinyModels.IMAGE ? 3 : t).toArray();
                return new org.visualchat.mmca.model.ModelInput(ids, in.codes(), in.labels(), new int[ids.length], null);
            }
        };
        for (Trainer.Summary r : ranks(dir.resolve("run"), 2, 2, Map.of("zero_stage", stage), Long.MAX_VALUE, oneTextOnly)) {
            assertEquals(4, r.steps());
            assertEquals(skipped, r.skippedBatches(), "stage " + stage);
        }
    }

    @Test
    void shardingIsRankStridedWithDropLast() {
        int[] order = {9, 8, 7, 6, 5, 4, 3};
        assertArrayEquals(new int[] {9, 6}, Trainer.shard(order, 0, 3));
        assertArrayEquals(new int[] {8, 5}, Trainer.shard(order, 1, 3));
        assertArrayEquals(new int[] {7, 4}, Trainer.shard(order, 2, 3));
        assertArrayEquals(order, Trainer.shard(order, 0, 1));
    }
}
