package org.visualchat.opencl.models;

import org.visualchat.llama.model.LlamaConfig;

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

    /** A LLaMA config from "hidden,layers,heads,kvHeads,ffn,vocab" (RMSNorm eps 1e-5, θ 10000, 4096 positions, untied). */
    static LlamaConfig config(String shape) {
        int[] s = Arrays.stream(shape.split(",")).mapToInt(v -> Integer.parseInt(v.trim())).toArray();
        if (s.length != 6) throw new IllegalArgumentException("shape must be hidden,layers,heads,kvHeads,ffn,vocab, got " + shape);
        return new LlamaConfig(s[0], s[4], s[1], s[2], s[3], 1e-5f, 10000f, s[5], 4096, false);
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
