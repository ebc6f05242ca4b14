package org.visualchat.mmca.train;

import org.visualchat.autograd.Arith;
import org.visualchat.autograd.NoGrad;
import org.visualchat.autograd.Variable;
import org.visualchat.tensor.io.AtomicFile;
import org.visualchat.mmca.model.LanguageModelLoss;
import org.visualchat.mmca.model.ModelInput;
import org.visualchat.mmca.model.SplicedBatch;
import org.visualchat.mmca.model.VisualChatModel;
import org.visualchat.nn.checkpoint.TrainingState;
import org.visualchat.nn.optim.LrSchedule;
import org.visualchat.parallel.ProcessGroup;
import org.visualchat.tensor.io.Json;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * The reference's training loop (reference §5.2) for a {@link VisualChatModel}: AdamW (β 0.9/0.95,
 * ε 1e-6) over {decay, no-decay} × {lr, embed lr} groups of the trainable parameters, HF warmup +
 * cosine schedule stepped per update, global-norm clipping, gradient accumulation (each micro-batch
 * loss divided by the accumulation count), an evaluation before training and after every epoch.
 * {@code precision} fp16 scales the loss and skips overflowing steps as DeepSpeed does ({@link Precision}).
 *
 * <p>Output directory: {@code train_log.csv}, {@code eval_log.csv}, {@code loss_curve.svg},
 * {@code config.json}, {@code epoch-N/model.safetensors} (trainable parameters only, under the
 * original's names: {@code lang_embed.weight}, {@code projection.*}) and {@code checkpoint.safetensors}
 * (trainable parameters + optimizer + scheduler + position + fp16 loss scaler: resumable; data-parallel
 * ZeRO stages 1–3 write a sharded {@code zero/} checkpoint instead, see {@link ZeroUpdater}). A run whose output directory
 * holds a checkpoint resumes from it, as the original does.
 *
 * <p>Differences from the original, documented: the train/eval split and the per-epoch shuffle use
 * Java's seeded {@link Random} (the original's NumPy permutation is not reproduced, and it never calls
 * {@code set_epoch}, so it sees the same order every epoch); an epoch's last partial accumulation
 * group is stepped at the epoch end; batches longer than {@code max_seq_len} after splicing are
 * skipped and counted (the original never truncates).
 */
public final class Trainer {
    /** What a run did. */
    public record Summary(long steps, double lastLoss, List<Double> evalLosses, double tokensPerSecond, int skippedBatches) {}

    static final String CHECKPOINT = "checkpoint.safetensors";

    private final VisualChatModel model;
    private final TrainConfig config;
    private PrintStream console;
    private final boolean interactive;
    private long stopAfterSteps = Long.MAX_VALUE;
    private ProcessGroup group;
    private LanguageModelLoss languageModel;

    public Trainer(VisualChatModel model, TrainConfig config, PrintStream console, boolean interactive) {
        this.model = model;
        this.config = config;
        this.console = console;
        this.interactive = interactive;
    }

    /** Stops (after checkpointing) once this many optimizer steps are done in total: an interruption on purpose. */
    public Trainer stopAfter(long steps) {
        this.stopAfterSteps = steps;
        return this;
    }

    /**
     * Trains data-parallel over {@code pg} under ZeRO ({@link TrainConfig#zero()}): each epoch's shuffled order is
     * cut to a multiple of the world size and dealt rank-strided (rank r takes samples r, r + W, …, like torch's
     * DistributedSampler with drop_last), so one update covers per_device_train_batch_size × gradient_accumulation_steps
     * × W samples. Rank 0 alone prints, logs and writes whole-model files; every rank runs the same steps and evaluation.
     */
    public Trainer dataParallel(ProcessGroup pg) {
        this.group = pg;
        if (pg.rank() != 0) console = new PrintStream(OutputStream.nullOutputStream());
        return this;
    }

    /**
     * Runs the frozen language model's forward and backward with {@code lm} (e.g. {@code OpenClLlamaLoss::loss}
     * on an OpenCL device) for training and evaluation; vision encoder, projection, splicing, the backward into
     * the trainable parameters and AdamW stay on the host.
     */
    public Trainer languageModelOn(LanguageModelLoss lm) {
        this.languageModel = lm;
        return this;
    }

    public Summary train(TrainingData data) throws IOException {
        Path out = config.outputDir();
        int[][] split = split(data.size());
        int[] train = split[0], eval = split[1];
        if (train.length == 0) throw new IllegalArgumentException("the training split is empty (" + data.size() + " samples, ratio " + config.trainSplit() + ")");
        int world = group == null ? 1 : group.size(), perRank = train.length / world;
        if (perRank == 0) throw new IllegalArgumentException("the training split has " + train.length + " samples, fewer than the " + world + " data-parallel ranks");
        int batchesPerEpoch = ceilDiv(perRank, config.batchSize());
        long updatesPerEpoch = ceilDiv(batchesPerEpoch, config.gradientAccumulation());
        long totalUpdates = updatesPerEpoch * config.epochs();
        long globalBatch = (long) config.batchSize() * world;     // samples per micro-step over all ranks

        Precision precision = Precision.of(config.precision());
        precision.cast(model.trainableParameters().values());
        LrSchedule schedule = LrSchedule.withWarmup(config.scheduler(), config.warmup(), totalUpdates);
        try (Updater updater = group == null ? new LocalUpdater(model, config, schedule, precision, console) : new ZeroUpdater(group, model, config, schedule, precision, console)) {
            boolean chief = updater.rank() == 0;
            if (chief) {
                Files.createDirectories(out);
                AtomicFile.writeString(out.resolve("config.json"), Json.writePretty(config.toMap()));
            }
            return train(data, train, eval, updater, chief, batchesPerEpoch, updatesPerEpoch, globalBatch);
        }
    }

    private Summary train(TrainingData data, int[] train, int[] eval, Updater updater, boolean chief, int batchesPerEpoch,
                          long updatesPerEpoch, long globalBatch) throws IOException {
        Path out = config.outputDir();
        long step = 0, position = 0;        // position: epoch · |train| + samples of that epoch trained, over all ranks
        TrainingState state = updater.resume(out);
        if (state != null) {
            step = state.step();
            position = state.dataPosition();
            console.printf(Locale.ROOT, "resuming from %s: step %d, sample %d of epoch %d%n", out, step, position % train.length, position / train.length + 1);
        }
        List<Double> evalLosses = new ArrayList<>();
        double lastLoss = Double.NaN;
        long tokensTotal = 0;
        double secondsTotal = 0;
        int skipped = 0;
        try (TrainingLog log = chief ? new TrainingLog(out) : null) {
            if (position == 0 && eval.length > 0) evalLosses.add(evaluate(data, eval, 0, 0, log));
            for (int epoch = (int) (position / train.length); epoch < config.epochs() && step < stopAfterSteps; epoch++) {
                int[] order = shard(shuffled(train, epoch), updater.rank(), updater.world());
                long done = position - (long) epoch * train.length;
                if (done % globalBatch != 0) {
                    throw new IllegalArgumentException("the checkpoint stopped after " + done + " samples of epoch " + (epoch + 1)
                            + ", not a multiple of per_device_train_batch_size × ranks = " + globalBatch + ": resume with the same global micro-batch");
                }
                int first = (int) (done / globalBatch);
                long updatesDone = ceilDiv(first, config.gradientAccumulation());
                ProgressBar bar = new ProgressBar(console, String.format(Locale.ROOT, "epoch %d/%d", epoch + 1, config.epochs()), updatesPerEpoch, interactive);
                double groupLoss = 0;
                int groupBatches = 0;
                long groupTokens = 0, groupStart = System.nanoTime();
                for (int b = first; b < batchesPerEpoch; b++) {
                    int[] indices = Arrays.copyOfRange(order, b * config.batchSize(), Math.min(order.length, (b + 1) * config.batchSize()));
                    ModelInput input = data.batch(indices);
                    boolean boundary = (b + 1) % config.gradientAccumulation() == 0 || b + 1 == batchesPerEpoch;
                    // Data-parallel ranks skip a micro-step together (any rank's batch unusable), so every rank issues
                    // the same collectives: asked before splicing (ZeRO-3 gathers in it) and after (the length is known then).
                    boolean skip = updater.anyRank(input == null);
                    boolean imagesDiffer = !skip && updater.imagesOnSomeRanksOnly(input.pixels() != null);
                    SplicedBatch spliced = skip || imagesDiffer ? null : model.splice(input, VisualChatModel.TRAINING_PAD_MULTIPLE);
                    skip = skip || imagesDiffer || updater.anyRank(spliced.length() > config.maxSeqLen());
                    if (skip) {
                        String why = input == null ? "no usable sample" : spliced != null && spliced.length() > config.maxSeqLen()
                                ? spliced.length() + " positions after splicing > max_seq_len " + config.maxSeqLen()
                                : imagesDiffer ? "ZeRO-3: images on some ranks only (the projection's gathers would differ)" : "unusable on another rank";
                        skipped++;
                        console.printf(Locale.ROOT, "%nskipping batch %d of epoch %d: %s%n", b, epoch + 1, why);
                    } else {
                        Variable loss = languageModel != null ? model.loss(spliced, languageModel) : model.loss(spliced, config.gradientCheckpointing());
                        updater.backward(Arith.mul(loss, 1f / config.gradientAccumulation()), boundary);
                        groupLoss += loss.value().get();
                        groupBatches++;
                        groupTokens += realTokens(spliced);
                    }
                    if (!boundary) continue;
                    double lr = updater.lr();
                    updater.step();
                    step++;
                    updatesDone++;
                    position = b + 1 == batchesPerEpoch ? (long) (epoch + 1) * train.length : (long) epoch * train.length + (b + 1) * globalBatch;
                    double seconds = (System.nanoTime() - groupStart) / 1e9;
                    lastLoss = groupBatches == 0 ? Double.NaN : updater.mean(groupLoss / groupBatches);
                    groupTokens = (long) updater.sum(groupTokens);
                    tokensTotal += groupTokens;
                    secondsTotal += seconds;
                    if (chief) log.train(epoch + 1, step, lastLoss, lr, groupTokens, groupTokens / seconds, secondsTotal);
                    bar.update(updatesDone, String.format(Locale.ROOT, "loss %.4f  lr %.2e  %.0f tok/s", lastLoss, lr, groupTokens / seconds));
                    groupLoss = 0;
                    groupBatches = 0;
                    groupTokens = 0;
                    groupStart = System.nanoTime();
                    boolean stop = step >= stopAfterSteps;
                    if (stop || (config.saveSteps() > 0 && step % config.saveSteps() == 0)) {
                        updater.checkpoint(out, new TrainingState(step, position));
                    }
                    if (stop) break;
                }
                bar.finish();
                if (position < (long) (epoch + 1) * train.length) break;             // stopped mid-epoch
                if (eval.length > 0) evalLosses.add(evaluate(data, eval, epoch + 1, step, log));
                updater.saveTrainable(out.resolve("epoch-" + (epoch + 1)).resolve("model.safetensors"));
                updater.checkpoint(out, new TrainingState(step, position));
                if (chief) LossCurveSvg.write(out.resolve("loss_curve.svg"), "VisualChat training loss (" + out.getFileName() + ")", log.trainPoints, log.evalPoints);
            }
            if (chief) LossCurveSvg.write(out.resolve("loss_curve.svg"), "VisualChat training loss (" + out.getFileName() + ")", log.trainPoints, log.evalPoints);
        }
        return new Summary(step, lastLoss, evalLosses, secondsTotal == 0 ? 0 : tokensTotal / secondsTotal, skipped);
    }

    /**
     * Mean batch loss over the eval split, no graph (the original averages batch losses). Under data parallelism
     * every rank evaluates the whole split (identical collectives on every rank, e.g. ZeRO-3 gathers); rank 0 logs.
     */
    private double evaluate(TrainingData data, int[] eval, int epoch, long step, TrainingLog log) throws IOException {
        double sum = 0;
        int n = 0;
        try (NoGrad ignored = NoGrad.enter()) {
            for (int from = 0; from < eval.length; from += config.evalBatchSize()) {
                ModelInput input = data.batch(Arrays.copyOfRange(eval, from, Math.min(eval.length, from + config.evalBatchSize())));
                if (input == null) continue;                                          // every sample of the batch was bad
                sum += (languageModel != null ? model.loss(model.splice(input, VisualChatModel.TRAINING_PAD_MULTIPLE), languageModel)
                        : model.loss(input, false)).value().get();
                n++;
            }
        }
        double mean = n == 0 ? Double.NaN : sum / n;
        if (log != null) log.eval(epoch, step, mean);
        console.printf(Locale.ROOT, n == 0 ? "eval after epoch %d: no usable eval sample%n" : "eval after epoch %d: loss %.4f%n", epoch, mean);
        return mean;
    }

    /** Seeded permutation of the samples: the first ⌊N·ratio⌋ train, the rest eval (reference §4.1 step 4). */
    int[][] split(int n) {
        int[] perm = permutation(n, new Random(config.seed()));
        int cut = (int) Math.floor(n * config.trainSplit());
        return new int[][] {Arrays.copyOf(perm, cut), Arrays.copyOfRange(perm, cut, n)};
    }

    private int[] shuffled(int[] train, int epoch) {
        int[] perm = permutation(train.length, new Random(config.seed() * 31 + epoch + 1));
        int[] out = new int[train.length];
        for (int i = 0; i < out.length; i++) out[i] = train[perm[i]];
        return out;
    }

    /** Rank {@code rank}'s samples of an epoch's order: the order cut to a multiple of {@code world}, every world-th from rank. */
    static int[] shard(int[] order, int rank, int world) {
        int[] mine = new int[order.length / world];
        for (int k = 0; k < mine.length; k++) mine[k] = order[k * world + rank];
        return mine;
    }

    private static int[] permutation(int n, Random random) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        for (int i = n - 1; i > 0; i--) {                                   // Fisher–Yates
            int j = random.nextInt(i + 1), t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }

    private static long realTokens(SplicedBatch s) {
        long n = 0;
        for (int[] row : s.codes()) for (int c : row) if (c != 0) n++;
        return n;
    }

    private static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }
}
