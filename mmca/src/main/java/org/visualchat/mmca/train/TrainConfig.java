package org.visualchat.mmca.train;

import org.visualchat.mmca.attention.MmcaMode;
import org.visualchat.nn.optim.LrSchedule;
import org.visualchat.parallel.zero.ZeroConfig;
import org.visualchat.tensor.io.Json;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Training options, named as the reference's {@code training/main.py} flags (reference §5.1) so a
 * JSON config reads like its command line. Defaults are the reference's where they apply, with the
 * run script's 10% warmup; values come from the defaults, then a JSON file, then command-line flags.
 *
 * {@code values} holds the resolved options under their JSON names (as given; the typed components
 * are parsed from it).
 *
 * <pre>{@code
 * TrainConfig c = TrainConfig.resolve(Path.of("train.json"), Map.of("num_train_epochs", 2));
 * }</pre>
 */
public record TrainConfig(double learningRate, double embedLearningRate, double weightDecay, int epochs,
                          int batchSize, int evalBatchSize, int gradientAccumulation, LrSchedule.Kind scheduler,
                          double warmup, double gradientClipping, int maxSeqLen, int imageSize, String visProj,
                          MmcaMode attention, boolean reverseImageOrder, int langLoraDim, String langLoraModule,
                          int visLoraDim, String visLoraModule, boolean onlyOptimizeLora, boolean gradientCheckpointing,
                          String precision, long seed, double trainSplit, int saveSteps, Path outputDir,
                          Map<String, Object> values) {

    /** The defaults, keyed by the JSON/flag names. */
    public static Map<String, Object> defaults() {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("learning_rate", 1e-3);
        d.put("learning_rate_pretraining_components", 0.0);   // 0: same as learning_rate (reference)
        d.put("weight_decay", 0.0);
        d.put("num_train_epochs", 6);
        d.put("per_device_train_batch_size", 2);
        d.put("per_device_eval_batch_size", 2);
        d.put("gradient_accumulation_steps", 1);
        d.put("lr_scheduler_type", "cosine");
        d.put("num_warmup_steps", 0.1);                        // ≤ 1: fraction of update steps
        d.put("gradient_clipping", 1.0);
        d.put("max_seq_len", 4096);
        d.put("image_size", 0);                               // 0: the vision encoder's own preprocessing
        d.put("vis_proj", "baseline");
        d.put("attention", "strict");
        d.put("reverse_image_order", false);
        d.put("lang_lora_dim", 0);
        d.put("lang_lora_module_name", "model.layers.");
        d.put("vis_lora_dim", 0);
        d.put("vis_lora_module_name", "encoder.layers.");
        d.put("only_optimize_lora", false);
        d.put("gradient_checkpointing", false);
        d.put("precision", "fp32");                           // the reference: fp16 (DeepSpeed)
        d.put("seed", 1234);
        d.put("data_train_split_ratio", 0.9);
        d.put("save_steps", 0);                                // 0: checkpoint at each epoch end only
        d.put("output_dir", "output");
        // Data parallelism (DeepSpeed config names; used when launched with several ranks, parallel/docs/zero.md).
        d.put("zero_stage", 0);
        d.put("overlap_comm", false);
        d.put("reduce_bucket_size", 500_000_000L);            // elements per gradient bucket (DeepSpeed's default)
        d.put("zero_prefetch_units", 1);                       // stage 3: units gathered ahead
        return d;
    }

    /** Defaults ← JSON config file (may be null) ← overrides (flags the user gave). Unknown keys are errors. */
    public static TrainConfig resolve(Path jsonConfig, Map<String, ?> overrides) throws IOException {
        Map<String, Object> values = defaults();
        if (jsonConfig != null) {
            if (Files.isDirectory(jsonConfig)) throw new IllegalArgumentException("training config " + jsonConfig + " is a directory, not a JSON file");
            if (!Files.isRegularFile(jsonConfig)) throw new IllegalArgumentException("training config " + jsonConfig + " does not exist");
            Object parsed = Json.read(jsonConfig);
            if (!(parsed instanceof Map<?, ?> map)) throw new IllegalArgumentException(jsonConfig + ": a training config must be a JSON object");
            merge(values, map, jsonConfig.toString());
            try {
                fromMap(values);                               // so a bad value in the file is reported with the file's name
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(jsonConfig + ": " + e.getMessage(), e);
            }
        }
        merge(values, overrides, "command line");
        return fromMap(values);
    }

    /** Puts {@code from}'s options into {@code into}; each must be known and of its default's JSON type (number, string or boolean). */
    private static void merge(Map<String, Object> into, Map<?, ?> from, String where) {
        for (Map.Entry<?, ?> e : from.entrySet()) {
            String key = String.valueOf(e.getKey());
            if (!into.containsKey(key)) throw new IllegalArgumentException(where + ": unknown training option '" + key + "' (known: " + String.join(", ", into.keySet()) + ")");
            String expected = jsonType(into.get(key));
            if (!expected.equals(jsonType(e.getValue()))) {
                throw new IllegalArgumentException(where + ": " + key + " must be a " + expected + ", got " + Json.write(e.getValue()));
            }
            into.put(key, e.getValue());
        }
    }

    private static String jsonType(Object value) {
        return switch (value) {
            case Number n -> "number";
            case String s -> "string";
            case Boolean b -> "boolean";
            case null, default -> "null or a list or object";
        };
    }

    static TrainConfig fromMap(Map<String, Object> v) {
        double lr = positive(number(v, "learning_rate"), "learning_rate");
        double embedLr = number(v, "learning_rate_pretraining_components");
        TrainConfig c = new TrainConfig(lr, embedLr == 0 ? lr : embedLr, number(v, "weight_decay"), integer(v, "num_train_epochs"),
                integer(v, "per_device_train_batch_size"), integer(v, "per_device_eval_batch_size"), integer(v, "gradient_accumulation_steps"),
                scheduler(string(v, "lr_scheduler_type")), number(v, "num_warmup_steps"), number(v, "gradient_clipping"),
                integer(v, "max_seq_len"), integer(v, "image_size"), visProj(string(v, "vis_proj")), MmcaMode.parse(string(v, "attention")),
                bool(v, "reverse_image_order"), integer(v, "lang_lora_dim"), string(v, "lang_lora_module_name"), integer(v, "vis_lora_dim"),
                string(v, "vis_lora_module_name"), bool(v, "only_optimize_lora"), bool(v, "gradient_checkpointing"),
                precision(string(v, "precision")), (long) number(v, "seed"), number(v, "data_train_split_ratio"),
                integer(v, "save_steps"), Path.of(string(v, "output_dir")), java.util.Collections.unmodifiableMap(new LinkedHashMap<>(v)));
        for (String key : List.of("num_train_epochs", "per_device_train_batch_size", "per_device_eval_batch_size", "gradient_accumulation_steps", "max_seq_len")) {
            atLeast(v, key, 1);
        }
        // image_size 0 and learning_rate_pretraining_components 0 are the defaults' "use the encoder's / learning_rate".
        for (String key : List.of("learning_rate_pretraining_components", "weight_decay", "num_warmup_steps", "gradient_clipping",
                "image_size", "lang_lora_dim", "vis_lora_dim", "save_steps", "zero_prefetch_units")) {
            atLeast(v, key, 0);
        }
        if (c.trainSplit <= 0 || c.trainSplit > 1) throw new IllegalArgumentException("data_train_split_ratio must be in (0, 1], got " + c.trainSplit);
        c.zero();                                              // validates the ZeRO options now, not at the first step
        return c;
    }

    /** The ZeRO settings for data-parallel runs: zero_stage, overlap_comm, reduce_bucket_size, zero_prefetch_units, gradient_clipping. */
    public ZeroConfig zero() {
        double bucket = number(values, "reduce_bucket_size");
        if (!(bucket >= 1) || bucket != Math.rint(bucket)) throw new IllegalArgumentException("reduce_bucket_size must be a positive whole number of elements, got " + values.get("reduce_bucket_size"));
        return ZeroConfig.stage(integer(values, "zero_stage")).withOverlapComm(bool(values, "overlap_comm")).withBucketElements((long) bucket)
                .withPrefetchUnits(integer(values, "zero_prefetch_units")).withGradientClipping(gradientClipping);
    }

    /** The resolved values under their JSON names (written next to the checkpoints). */
    public Map<String, Object> toMap() {
        return new LinkedHashMap<>(values);
    }

    public TrainConfig withOutputDir(Path dir) {
        Map<String, Object> m = toMap();
        m.put("output_dir", dir.toString());
        return fromMap(m);
    }

    private static LrSchedule.Kind scheduler(String s) {
        return switch (s.toLowerCase(Locale.ROOT)) {
            case "cosine" -> LrSchedule.Kind.COSINE;
            case "linear" -> LrSchedule.Kind.LINEAR;
            case "constant" -> LrSchedule.Kind.CONSTANT;
            default -> throw new IllegalArgumentException("lr_scheduler_type '" + s + "' is not supported (cosine, linear, constant)");
        };
    }

    private static String visProj(String s) {
        if (!s.equals("baseline") && !s.equals("vit") && !s.equals("perceiver")) throw new IllegalArgumentException("vis_proj must be baseline, vit or perceiver, got '" + s + "'");
        return s;
    }

    private static String precision(String s) {
        Precision.of(s);                                                     // validates the name
        return s;
    }

    private static double positive(double x, String key) {
        if (!(x > 0)) throw new IllegalArgumentException(key + " must be > 0, got " + x);
        return x;
    }

    private static void atLeast(Map<String, Object> v, String key, int min) {
        if (number(v, key) < min) throw new IllegalArgumentException(key + " must be >= " + min + ", got " + v.get(key));
    }

    /** Every numeric option must be finite: NaN or Infinity would only fail later, e.g. when the config is written as JSON. */
    private static double number(Map<String, Object> v, String key) {
        Object o = v.get(key);          // merge() let only numbers in
        if (!(o instanceof Number n) || !Double.isFinite(n.doubleValue())) throw new IllegalArgumentException(key + " must be a finite number, got " + o);
        return n.doubleValue();
    }

    private static int integer(Map<String, Object> v, String key) {
        double d = number(v, key);
        if (d != Math.rint(d) || Math.abs(d) > Integer.MAX_VALUE) throw new IllegalArgumentException(key + " must be an integer, got " + v.get(key));
        return (int) d;
    }

    private static boolean bool(Map<String, Object> v, String key) {
        if (v.get(key) instanceof Boolean b) return b;  // merge() let only booleans in
        throw new IllegalArgumentException(key + " must be true or false, got '" + v.get(key) + "'");
    }

    private static String string(Map<String, Object> v, String key) {
        return String.valueOf(v.get(key));
    }
}
