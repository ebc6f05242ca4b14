package org.visualchat.opencl.models;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/** What the OpenCL model benchmarks share: positional arguments with defaults, the median round, the machine's load. */
final class BenchmarkSupport {
    private BenchmarkSupport() {}

    static String arg(String[] args, int i, String fallback) {
        return args.length > i ? args[i] : fallback;
    }

    /** hidden,layers,heads,kvHeads,ffn,vocab. */
    static int[] shape(String text) {
        int[] s = Arrays.stream(text.split(",")).mapToInt(v -> Integer.parseInt(v.trim())).toArray();
        if (s.length != 6) throw new IllegalArgumentException("shape must be hidden,layers,heads,kvHeads,ffn,vocab, got " + text);
        return s;
    }

    static double median(double[] v) {
        double[] c = v.clone();
        Arrays.sort(c);
        return c[c.length / 2];
    }

    /** /proc/loadavg (only ratios measured in one run mean anything on a shared machine). */
    static String loadAverage() throws IOException {
        Path p = Path.of("/proc/loadavg");
        return Files.isReadable(p) ? Files.readString(p).strip() : "unknown";
    }
}
