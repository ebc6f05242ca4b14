package org.visualchat.mmca.demo;

import java.io.IOException;
import java.lang.reflect.RecordComponent;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Sizes of the demo: world, models and training. {@link #full()} is what {@code visualchat demo} runs, sized
 * to stay within 15 minutes on 2 cores (session 13, a quiet 2-core Zen 4 machine, half the FMA rate of the Zen 5 one
 * of sessions 1–10: 12m51s wall, 24 CPU-minutes; the LLaMA trained 20,000 steps and each MMCA variant 1,200, batches
 * in 4 shards, evaluated on 600 held-out conversations; mmca/docs/demo.md);
 * {@link #reduced()} is {@code --small} and the slow accuracy test's, about a sixth of that.
 * The record's text and {@link #RECIPE} are hashed into the cache folder name, so a changed size or recipe
 * never reuses a stale stage.
 *
 * <p>{@code trainShards}: each batch of the LLaMA pretraining and of the MMCA training is split into this many
 * runs of rows whose forward and backward run one per core ({@code ShardedBackward}); a fixed number rather
 * than the core count, so the trained model is the same on any machine.
 */
public record DemoConfig(long seed, int trainDialogues, int heldOutDialogues,
                         int vitHidden, int vitLayers, int vitSteps, int vitBatch,
                         int lmHidden, int lmLayers, int lmHeads, double lmRopeTheta, int lmSteps, int lmBatch, int trainShards,
                         int mmcaSteps, int mmcaBatch, double lmLr, double mmcaLr, int maxAnswerTokens) {
    public static final int IMAGE_SIZE = 32;
    public static final int PATCH = IMAGE_SIZE / VisualWords.GRID;

    /**
     * The version of what the stages write (tokenizer, captions, losses): raise it whenever that changes, so a
     * cache written by an older recipe is not read as if it were this one's. 2: bag captions, punctuation
     * tokens and line-initial word forms (session 4). 3: language-model
     * pretraining reads new conversations every step instead of repeating the training set. 4: its shards group rows
     * of similar length, and the attention kernel keeps forward's probabilities (the same function, other rounding).
     * 5: one encoder token per quadrant (16 px patches, 5 tokens an image instead of 17; {@link VisualWords}).
     */
    static final int RECIPE = 5;

    public static DemoConfig full() {
        return new DemoConfig(2309_14327L, 6000, 600, 64, 2, 300, 32, 64, 3, 4, 1e4, 20000, 8, 4, 1200, 8, 3e-3, 3e-3, 48);
    }

    public static DemoConfig reduced() {
        return new DemoConfig(7L, 1500, 40, 48, 2, 150, 32, 64, 2, 4, 1e4, 1500, 8, 4, 120, 8, 4e-3, 4e-3, 48);
    }

    /**
     * Two optimisation steps per stage and a handful of conversations: trains nothing worth asking, but runs
     * every stage, the cache, chat and eval end to end in seconds (the fast end-to-end test).
     */
    public static DemoConfig smoke() {
        return new DemoConfig(11L, 60, 3, 32, 1, 2, 8, 32, 1, 4, 1e4, 2, 4, 2, 2, 4, 1e-3, 1e-3, 12);
    }

    /** This size with each training batch in {@code shards} shards (what {@code visualchat bench demo --shards} compares). */
    public DemoConfig withTrainShards(int shards) {
        if (shards < 1) throw new IllegalArgumentException("trainShards must be >= 1, got " + shards);
        return new DemoConfig(seed, trainDialogues, heldOutDialogues, vitHidden, vitLayers, vitSteps, vitBatch,
                lmHidden, lmLayers, lmHeads, lmRopeTheta, lmSteps, lmBatch, shards, mmcaSteps, mmcaBatch, lmLr, mmcaLr, maxAnswerTokens);
    }

    /** The fields by name, for {@code config.json} next to the trained weights. */
    public Map<String, Object> toJson() {
        Map<String, Object> out = new LinkedHashMap<>();
        try {
            for (RecordComponent c : DemoConfig.class.getRecordComponents()) out.put(c.getName(), c.getAccessor().invoke(this));
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
        return out;
    }

    /** Fields added after demo folders were first written, with the value those folders were trained with. */
    private static final Map<String, Number> ADDED_LATER = Map.of("lmRopeTheta", 1e4, "trainShards", 1);

    /** Reads {@link #toJson}'s output back; a missing or mistyped field names the file. */
    public static DemoConfig fromJson(Map<?, ?> json, Path file) throws IOException {
        RecordComponent[] components = DemoConfig.class.getRecordComponents();
        Object[] values = new Object[components.length];
        Class<?>[] types = new Class<?>[components.length];
        for (int i = 0; i < components.length; i++) {
            types[i] = components[i].getType();
            Object value = json.containsKey(components[i].getName()) ? json.get(components[i].getName()) : ADDED_LATER.get(components[i].getName());
            if (!(value instanceof Number n)) {
                throw new IOException(file + ": field '" + components[i].getName() + "' is missing or not a number");
            }
            values[i] = checked(file, components[i].getName(), types[i], n);
        }
        DemoConfig config;
        try {
            config = DemoConfig.class.getDeclaredConstructor(types).newInstance(values);
        } catch (ReflectiveOperationException e) {
            throw new IOException(file + ": " + e.getMessage(), e);
        }
        try {
            LanguagePretraining.modelConfig(config, 1);
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ": lmHidden " + config.lmHidden() + " and lmHeads " + config.lmHeads() + " make no LLaMA: " + e.getMessage(), e);
        }
        try {
            VisionPretraining.encoderConfig(config);
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ": vitHidden " + config.vitHidden() + " makes no ViT: " + e.getMessage(), e);
        }
        return config;
    }

    /**
     * {@code n} as the field's type. Every field but the seed is a size, a count or a rate, so it must be positive;
     * integers must be whole and fit an int (a cast would clamp 1e12 to a size whose doubling overflows, failing deep in a model without the file's name).
     */
    private static Object checked(Path file, String name, Class<?> type, Number n) throws IOException {
        double d = n.doubleValue();
        boolean whole = d == Math.rint(d);
        boolean ok = type == long.class ? whole
                : type == int.class ? whole && d >= 1 && d <= Integer.MAX_VALUE : d > 0 && Double.isFinite(d);
        String kind = type == long.class ? "a whole number" : type == int.class ? "a positive whole number" : "a positive number";
        if (!ok) throw new IOException(file + ": field '" + name + "' must be " + kind + ", got " + n);
        return type == long.class ? (Object) n.longValue() : type == int.class ? (Object) n.intValue() : (Object) d;
    }

    /** A short stable name for the cache folder. */
    public String cacheKey() {
        return Integer.toHexString(("recipe " + RECIPE + " " + this).hashCode());
    }
}
