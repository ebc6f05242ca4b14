package org.visualchat.mmca.train;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The per-run CSV logs: {@code train_log.csv} (one row per optimizer step) and {@code eval_log.csv}
 * (one row per evaluation). Rows are flushed as written, so a killed run keeps its history; a resumed
 * run appends. The points are also kept for {@link LossCurveSvg}.
 */
final class TrainingLog implements AutoCloseable {
    static final String TRAIN_HEADER = "epoch,step,loss,lr,tokens,tokens_per_s,elapsed_s";
    static final String EVAL_HEADER = "epoch,step,eval_loss";

    private final BufferedWriter train;
    private final BufferedWriter eval;
    final List<double[]> trainPoints = new ArrayList<>();
    final List<double[]> evalPoints = new ArrayList<>();

    TrainingLog(Path dir) throws IOException {
        this.train = open(dir.resolve("train_log.csv"), TRAIN_HEADER, trainPoints, 1, 2);
        this.eval = open(dir.resolve("eval_log.csv"), EVAL_HEADER, evalPoints, 1, 2);
    }

    /** Opens for appending, writing the header to a new file and reloading (x, y) columns of an existing one. */
    private static BufferedWriter open(Path file, String header, List<double[]> points, int x, int y) throws IOException {
        boolean exists = Files.isRegularFile(file) && Files.size(file) > 0;
        if (exists) {
            List<String> lines = Files.readAllLines(file);
            if (!lines.get(0).equals(header)) throw new IllegalArgumentException(file + " has header '" + lines.get(0) + "', expected '" + header + "'");
            for (String line : lines.subList(1, lines.size())) {
                String[] f = line.split(",");
                points.add(new double[] {Double.parseDouble(f[x]), Double.parseDouble(f[y])});
            }
        }
        BufferedWriter w = Files.newBufferedWriter(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        if (!exists) {
            w.write(header);
            w.newLine();
            w.flush();
        }
        return w;
    }

    void train(int epoch, long step, double loss, double lr, long tokens, double tokensPerSecond, double elapsed) throws IOException {
        train.write(String.format(Locale.ROOT, "%d,%d,%.6f,%.6e,%d,%.1f,%.3f", epoch, step, loss, lr, tokens, tokensPerSecond, elapsed));
        train.newLine();
        train.flush();
        trainPoints.add(new double[] {step, loss});
    }

    void eval(int epoch, long step, double loss) throws IOException {
        eval.write(String.format(Locale.ROOT, "%d,%d,%.6f", epoch, step, loss));
        eval.newLine();
        eval.flush();
        evalPoints.add(new double[] {step, loss});
    }

    @Override
    public void close() throws IOException {
        try (train; eval) {
            // closes both, even if the first throws
        }
    }
}
