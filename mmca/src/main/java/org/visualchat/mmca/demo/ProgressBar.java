package org.visualchat.mmca.demo;

import java.io.PrintStream;
import java.util.Locale;

/**
 * A one-line progress bar ({@code stage [#####-----] 120/300 loss 0.412 ETA 1m05s}) redrawn in place with a
 * carriage return at most a few times a second, then finished with a newline. When the output is not a
 * terminal (tests, logs) it prints a line at every tenth instead, so logs stay readable.
 */
public final class ProgressBar {
    private static final int WIDTH = 24;
    private final PrintStream out;
    private final String label;
    private final long total;
    private final boolean inPlace;
    private final long start = System.nanoTime();
    private long lastDraw;
    private long lastTenth = -1;

    public ProgressBar(PrintStream out, String label, long total, boolean inPlace) {
        this.out = out;
        this.label = label;
        this.total = Math.max(1, total);
        this.inPlace = inPlace;
    }

    /** Shows that {@code done} of the total units are finished; {@code note} is e.g. the current loss. */
    public void update(long done, String note) {
        long now = System.nanoTime();
        long tenth = done * 10 / total;
        boolean last = done >= total;
        if (inPlace) {
            if (!last && now - lastDraw < 250_000_000L) return;
            lastDraw = now;
            out.print("\r" + line(done, note, now) + (last ? "\n" : ""));
        } else {
            if (tenth == lastTenth && !last) return;
            lastTenth = tenth;
            out.println(line(done, note, now));
        }
        out.flush();
    }

    private String line(long done, String note, long now) {
        int filled = (int) (WIDTH * Math.min(done, total) / total);
        double seconds = (now - start) / 1e9;
        String eta = done == 0 ? "?" : duration(seconds * (total - done) / done);
        return String.format(Locale.ROOT, "%-14s [%s%s] %d/%d %s %s %s", label, "#".repeat(filled), "-".repeat(WIDTH - filled),
                done, total, note, done >= total ? "took" : "ETA", done >= total ? duration(seconds) : eta);
    }

    static String duration(double seconds) {
        long s = Math.round(seconds);
        return s >= 60 ? (s / 60) + "m" + String.format(Locale.ROOT, "%02d", s % 60) + "s" : s + "s";
    }
}
