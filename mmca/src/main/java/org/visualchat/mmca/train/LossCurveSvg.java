package org.visualchat.mmca.train;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Locale;

/**
 * A self-contained SVG of training loss (blue line) and eval loss (orange dots) against the optimizer
 * step, with min/max labels on both axes; written to a temp file then renamed, so a viewer never sees
 * half a file.
 */
final class LossCurveSvg {
    private LossCurveSvg() {}

    private static final int W = 640, H = 360, LEFT = 60, RIGHT = 20, TOP = 30, BOTTOM = 40;

    static void write(Path file, String title, List<double[]> train, List<double[]> eval) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, render(title, train, eval));
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    static String render(String title, List<double[]> train, List<double[]> eval) {
        double x0 = Double.POSITIVE_INFINITY, x1 = Double.NEGATIVE_INFINITY, y0 = Double.POSITIVE_INFINITY, y1 = Double.NEGATIVE_INFINITY;
        for (List<double[]> series : List.of(train, eval)) {
            for (double[] p : series) {
                if (!Double.isFinite(p[1])) continue;
                x0 = Math.min(x0, p[0]);
                x1 = Math.max(x1, p[0]);
                y0 = Math.min(y0, p[1]);
                y1 = Math.max(y1, p[1]);
            }
        }
        if (x0 > x1) { x0 = 0; x1 = 1; y0 = 0; y1 = 1; }
        if (x1 == x0) x1 = x0 + 1;
        if (y1 == y0) y1 = y0 + 1;
        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" font-size=\"12\">%n", W, H));
        s.append(String.format(Locale.ROOT, "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>%n", W, H));
        s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"18\">%s</text>%n", LEFT, escape(title)));
        s.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#888\"/>%n", LEFT, TOP, W - LEFT - RIGHT, H - TOP - BOTTOM));
        s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%.3f</text>%n", LEFT - 4, TOP + 10, y1));
        s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%.3f</text>%n", LEFT - 4, H - BOTTOM, y0));
        s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\">%.0f</text>%n", LEFT, H - BOTTOM + 16, x0));
        s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%.0f</text>%n", W - RIGHT, H - BOTTOM + 16, x1));
        s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">optimizer step</text>%n", (W + LEFT - RIGHT) / 2, H - 8));
        s.append("<polyline fill=\"none\" stroke=\"#1f77b4\" stroke-width=\"1.5\" points=\"");
        for (double[] p : train) {
            if (Double.isFinite(p[1])) s.append(String.format(Locale.ROOT, "%.1f,%.1f ", px(p[0], x0, x1), py(p[1], y0, y1)));
        }
        s.append("\"/>\n");
        for (double[] p : eval) {
            if (Double.isFinite(p[1])) s.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" fill=\"#ff7f0e\"/>%n", px(p[0], x0, x1), py(p[1], y0, y1)));
        }
        s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" fill=\"#1f77b4\">train loss</text>", W - RIGHT - 150, TOP + 16));
        s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" fill=\"#ff7f0e\">eval loss</text>%n", W - RIGHT - 70, TOP + 16));
        return s.append("</svg>\n").toString();
    }

    private static double px(double x, double x0, double x1) {
        return LEFT + (x - x0) / (x1 - x0) * (W - LEFT - RIGHT);
    }

    private static double py(double y, double y0, double y1) {
        return H - BOTTOM - (y - y0) / (y1 - y0) * (H - TOP - BOTTOM);
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
