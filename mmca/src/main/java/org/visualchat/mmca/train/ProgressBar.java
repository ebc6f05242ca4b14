package org.visualchat.mmca.train;

import java.io.PrintStream;
import java.util.Locale;

/**
 * A one-line text progress bar: {@code label [######......] done/total  metrics  ETA h:mm:ss}. On a
 * terminal it redraws in place with {@code \r}; otherwise (logs, CI) it prints a line at most every
 * {@code minIntervalNanos} and at completion, so files do not fill with redraws.
 *
 * <pre>{@code
 * ProgressBar bar = new ProgressBar(System.err, "epoch 1/3", 100, System.console() != null);
 * for (int i = 1; i <= 100; i++) bar.update(i, String.format("loss %.3f", loss));
 * bar.finish();
 * }</pre>
 */
public final class ProgressBar {
    private static final int WIDTH = 24;

    private final PrintStream out;
    private final String label;
    private final long total;
    private final boolean redraw;
    private final long minIntervalNanos;
    private final long started = System.nanoTime();
    private long lastPrinted = Long.MIN_VALUE;
    private int lastLength;

    public ProgressBar(PrintStream out, String label, long total, boolean interactive) {
        this(out, label, total, interactive, interactive ? 100_000_000L : 10_000_000_000L);
    }

    ProgressBar(PrintStream out, String label, long total, boolean interactive, long minIntervalNanos) {
        if (total < 1) throw new IllegalArgumentException("a progress bar needs a total >= 1, got " + total);
        this.out = out;
        this.label = label;
        this.total = total;
        this.redraw = interactive;
        this.minIntervalNanos = minIntervalNanos;
    }

    /** Reports {@code done} of {@code total} with free-form metrics (e.g. "loss 2.31  1234 tok/s"). */
    public void update(long done, String metrics) {
        long now = System.nanoTime();
        if (done < total && lastPrinted != Long.MIN_VALUE && now - lastPrinted < minIntervalNanos) return;
        lastPrinted = now;
        String line = render(label, done, total, metrics, (now - started) / 1e9);
        if (redraw) {
            out.print("\r" + line + " ".repeat(Math.max(0, lastLength - line.length())));
            lastLength = line.length();
        } else {
            out.println(line);
        }
        out.flush();
    }

    /** Ends the line (interactive mode). */
    public void finish() {
        if (redraw && lastLength > 0) out.println();
        out.flush();
    }

    /** The line for {@code done}/{@code total} after {@code elapsedSeconds}; ETA extrapolates the average rate. */
    static String render(String label, long done, long total, String metrics, double elapsedSeconds) {
        int filled = (int) (WIDTH * Math.min(done, total) / total);
        String bar = "#".repeat(filled) + ".".repeat(WIDTH - filled);
        String eta = done == 0 ? "?" : clock(elapsedSeconds * (total - done) / done);
        return String.format(Locale.ROOT, "%s [%s] %d/%d  %s  ETA %s", label, bar, done, total, metrics, eta).replaceAll(" {3,}", "  ");
    }

    static String clock(double seconds) {
        long s = Math.round(seconds);
        return String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60);
    }
}
