package org.visualchat.mmca.bench;

import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordingFile;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Where a LLaMA forward pass spends its time: JFR execution samples taken while it runs, each attributed
 * to the part of the model whose code it was in (the innermost {@code org.visualchat.llama.model} frame
 * and the tensor op it called) and, inside matrix products, to the GEMM stage (micro-kernel, packing,
 * tile output). Run the work on one thread: a pool worker's stack ends at the pool and does not say
 * which part of the model it serves.
 */
public final class PrefillProfile {
    private static final String LLAMA = "org.visualchat.llama.model.";
    private static final String TENSOR = "org.visualchat.tensor.";
    private static final Duration PERIOD = Duration.ofMillis(5);

    /** Sample counts by model part and by GEMM stage (samples outside matrix products have no stage). */
    public record Counts(Map<String, Integer> parts, Map<String, Integer> gemmStages, int samples) {
        /** One line per entry, largest first: share of all samples in percent, then the name. */
        public static List<String> lines(Map<String, Integer> counts, int samples) {
            return counts.entrySet().stream().sorted(Map.Entry.<String, Integer>comparingByValue().reversed())
                    .map(e -> String.format("%5.1f %%  %s", 100.0 * e.getValue() / samples, e.getKey())).toList();
        }
    }

    private PrefillProfile() {}

    /** Runs {@code work} under a JFR recording that samples every 5 ms and classifies the samples. */
    public static Counts sample(Runnable work) {
        Path file = null;
        try (Recording recording = new Recording()) {
            recording.enable("jdk.ExecutionSample").withPeriod(PERIOD).withStackTrace();
            recording.start();
            work.run();
            recording.stop();
            file = Files.createTempFile("visualchat-profile", ".jfr");
            recording.dump(file);
            Map<String, Integer> parts = new TreeMap<>(), stages = new TreeMap<>();
            int samples = 0;
            for (RecordedEvent e : RecordingFile.readAllEvents(file)) {
                if (!e.getEventType().getName().equals("jdk.ExecutionSample") || e.getStackTrace() == null) continue;
                List<String> frames = new ArrayList<>();
                for (RecordedFrame f : e.getStackTrace().getFrames()) frames.add(f.getMethod().getType().getName() + "." + f.getMethod().getName());
                String[] where = classify(frames);
                parts.merge(where[0], 1, Integer::sum);
                if (where[1] != null) stages.merge(where[1], 1, Integer::sum);
                samples++;
            }
            return new Counts(parts, stages, samples);
        } catch (IOException e) {
            throw new UncheckedIOException("JFR profile: " + e.getMessage(), e);
        } finally {
            if (file != null) file.toFile().delete();
        }
    }

    /**
     * {part, GEMM stage or null} of one stack, frames innermost first as {@code package.Class.method}.
     * The innermost LLaMA frame names the part; tensor frames inside it say which op (a matrix product
     * of a projection, the RoPE of q and k, ...) and which GEMM stage.
     */
    static String[] classify(List<String> frames) {
        String stage = null, op = null;
        for (String frame : frames) {
            if (frame.startsWith(LLAMA)) return new String[] {part(className(frame.substring(LLAMA.length())), op), stage};
            if (!frame.startsWith(TENSOR)) continue;
            String f = frame.substring(TENSOR.length());
            if (stage == null) stage = gemmStage(f);
            if (f.startsWith("ops.")) op = className(f.substring(4));   // the outermost op before the model's frame
        }
        return new String[] {"outside the model", stage};
    }

    private static String gemmStage(String f) {
        if (f.startsWith("kernels.Gemm.microKernel")) return "micro-kernel";
        if (f.startsWith("kernels.Packing.scalarPanels")) return "packing broadcast panels (a linear's weights, dequantized)";
        if (f.startsWith("kernels.Packing.vectorPanels")) return "packing vector panels (a linear's activations)";
        if (f.startsWith("kernels.Gemm.store") || f.startsWith("kernels.Gemm.addTile")) return "tile output";
        if (f.startsWith("kernels.Gemm.")) return "GEMM loops";
        if (f.startsWith("kernels.MatVec.") || f.startsWith("kernels.BatchMatVec.")) return "matrix-vector";
        return null;
    }

    private static String part(String llamaClass, String op) {
        boolean product = "MatMul".equals(op);
        return switch (llamaClass) {
            case "CausalAttention" -> "attention: q·kᵀ, softmax, ·v";
            case "KvCache" -> "KV cache writes";
            case "LlamaRmsNorm" -> "RMS norms";
            case "LlamaAttention" -> product ? "q, k, v, o projections" : "Rope".equals(op) ? "RoPE" : "attention: other";
            case "LlamaMlp" -> product ? "gate, up, down projections" : "SwiGLU silu(gate)·up";
            case "LlamaLayer" -> "residual adds";
            case "LlamaModel" -> product ? "lm_head" : "model: other";
            default -> llamaClass + (op == null ? "" : " " + op);
        };
    }

    /** "Outer$Inner.method" or "Outer$$Lambda/0x….run" → "Outer". */
    private static String className(String classAndMethod) {
        String c = classAndMethod.substring(0, classAndMethod.lastIndexOf('.'));
        int nested = c.indexOf('$');
        return nested < 0 ? c : c.substring(0, nested);
    }
}
