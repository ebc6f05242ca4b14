package org.visualchat.nn.checkpoint;

import org.visualchat.nn.Module;
import org.visualchat.nn.RandomSource;
import org.visualchat.nn.optim.Optimizer;
import org.visualchat.nn.optim.OptimizerState;
import org.visualchat.nn.optim.Scheduler;
import org.visualchat.tensor.Tensor;
import org.visualchat.tensor.io.Json;
import org.visualchat.tensor.io.SafetensorsFile;
import org.visualchat.tensor.io.SafetensorsWriter;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A full training checkpoint in ONE safetensors file, so a single atomic rename publishes it whole:
 * tensors {@code model.<param>} (all parameters, or only trainable ones) and {@code optim.<param>.<slot>},
 * and in {@code __metadata__} the format tag, step, data position, scheduler step, optimizer counters,
 * the states of the loop's and the modules' random generators and of the fp16 loss scaler (JSON strings).
 * Resuming from it continues a seeded run bit-identically. Format 1 (before the loss scaler had its own
 * entry) kept the scaler's {@code loss_scale*} values among the loop's generators; it is still read.
 *
 * <pre>{@code
 * TrainingCheckpoint.save(dir.resolve("checkpoint.safetensors"), model, opt, sched, new TrainingState(step, pos, rng, scaler), false);
 * TrainingState s = TrainingCheckpoint.load(file, model, opt, sched);
 * }</pre>
 */
public final class TrainingCheckpoint {
    static final String FORMAT = "visualchat-training-checkpoint/2";
    /** Format 1: the loss scaler's entries (named {@code loss_scale...}) are inside {@code rng}. */
    static final String FORMAT_1 = "visualchat-training-checkpoint/1";
    private static final String MODEL = "model.";
    private static final String OPTIM = "optim.";

    private TrainingCheckpoint() {}

    /** Whether {@code file} is a training checkpoint (either format), told by its metadata's format tag. */
    public static boolean isCheckpoint(SafetensorsFile file) {
        String format = file.metadata().get("format");
        return FORMAT.equals(format) || FORMAT_1.equals(format);
    }

    public static void save(Path file, Module model, Optimizer optimizer, Scheduler scheduler, TrainingState state, boolean onlyTrainable) throws IOException {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        StateDict.of(model, onlyTrainable).forEach((n, t) -> tensors.put(MODEL + n, t));
        OptimizerState os = optimizer.state();
        os.tensors().forEach((n, t) -> tensors.put(OPTIM + n, t));
        Map<String, Long> moduleRng = new LinkedHashMap<>();
        model.randomSources().forEach((n, r) -> moduleRng.put(n, r.randomState()));
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", FORMAT);
        meta.put("step", Long.toString(state.step()));
        meta.put("data_position", Long.toString(state.dataPosition()));
        meta.put("scheduler_step", Long.toString(scheduler.stepCount()));
        meta.put("only_trainable", Boolean.toString(onlyTrainable));
        meta.put("optimizer_counters", Json.write(os.counters()));
        meta.put("rng", Json.write(state.rng()));
        meta.put("loss_scaler", Json.write(state.lossScaler()));
        meta.put("module_rng", Json.write(moduleRng));
        SafetensorsWriter.write(file, tensors, meta);
    }

    /** Restores model, optimizer, scheduler and module generators; returns the loop's state. */
    public static TrainingState load(Path file, Module model, Optimizer optimizer, Scheduler scheduler) throws IOException {
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            Map<String, String> meta = f.metadata();
            boolean format1 = FORMAT_1.equals(meta.get("format"));
            if (!FORMAT.equals(meta.get("format")) && !format1) {
                throw new IllegalArgumentException(file + " is not a training checkpoint (metadata format = " + meta.get("format") + ", expected " + FORMAT + ")");
            }
            boolean onlyTrainable = Boolean.parseBoolean(field(meta, "only_trainable", file));
            StateDict.load(model, f, MODEL, !onlyTrainable, file.toString());
            Map<String, Tensor> optim = new LinkedHashMap<>();
            for (String n : f.names()) if (n.startsWith(OPTIM)) optim.put(n.substring(OPTIM.length()), f.tensor(n));
            optimizer.loadState(new OptimizerState(optim, longs(field(meta, "optimizer_counters", file))));
            scheduler.setStepCount(Long.parseLong(field(meta, "scheduler_step", file)));
            Map<String, Long> moduleRng = longs(field(meta, "module_rng", file));
            for (Map.Entry<String, RandomSource> e : model.randomSources().entrySet()) {
                Long s = moduleRng.get(e.getKey());
                if (s == null) throw new IllegalArgumentException(file + " has no random state for module '" + e.getKey() + "'");
                e.getValue().setRandomState(s);
            }
            Map<String, Long> rng = longs(field(meta, "rng", file));
            Map<String, Long> scaler = format1 ? splitScaler(rng) : longs(field(meta, "loss_scaler", file));
            return new TrainingState(Long.parseLong(field(meta, "step", file)), Long.parseLong(field(meta, "data_position", file)), rng, scaler);
        }
    }

    /** Moves format 1's loss-scaler entries out of {@code rng}; returns them. */
    private static Map<String, Long> splitScaler(Map<String, Long> rng) {
        Map<String, Long> scaler = new LinkedHashMap<>();
        for (String key : List.copyOf(rng.keySet())) if (key.startsWith("loss_scale")) scaler.put(key, rng.remove(key));
        return scaler;
    }

    private static String field(Map<String, String> meta, String key, Path file) {
        String v = meta.get(key);
        if (v == null) throw new IllegalArgumentException(file + ": checkpoint metadata lacks '" + key + "'");
        return v;
    }

    private static Map<String, Long> longs(String json) {
        Map<String, Long> out = new LinkedHashMap<>();
        if (!(Json.parse(json) instanceof Map<?, ?> m)) throw new IllegalArgumentException("expected a JSON object, got " + json);
        m.forEach((k, v) -> out.put((String) k, ((Number) v).longValue()));
        return out;
    }
}
