package org.visualchat.mmca.demo;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.visualchat.llama.model.LlamaModel;
import org.visualchat.llama.tokenizer.LlamaTokenizer;
import org.visualchat.mmca.attention.MmcaMode;
import org.visualchat.tensor.io.AtomicFile;
import org.visualchat.mmca.model.VisualChatModel;
import org.visualchat.nn.checkpoint.StateDict;
import org.visualchat.tensor.DType;
import org.visualchat.tensor.io.Json;
import org.visualchat.tensor.io.SafetensorsFile;
import org.visualchat.vision.encoder.ClipVisionEncoder;

/**
 * The files of a trained demo model, all in one folder (the demo's cache folder is one):
 * {@code config.json} (sizes), {@code tokenizer.json}, {@code vision.safetensors} (HF CLIP names),
 * {@code llama.safetensors} (HF LLaMA names), and per attention variant {@code mmca-<mode>.safetensors}
 * holding only what stage 3 trains ({@code lang_embed.weight}, {@code projection.*}).
 */
public final class DemoModel {
    static final String CONFIG = "config.json", VISION = "vision.safetensors", LLAMA = "llama.safetensors";

    private DemoModel() {}

    static String mmcaFile(MmcaMode mode) { return "mmca-" + mode.id() + ".safetensors"; }

    static DemoConfig config(Path dir) throws IOException {
        Path file = dir.resolve(CONFIG);
        if (!Files.exists(file)) throw new IOException(dir + " is not a demo model folder (no " + CONFIG + "); run `visualchat demo` first");
        return DemoConfig.fromJson((Map<?, ?>) Json.read(file), file);
    }

    /**
     * Marks {@code dir} as holding a model of {@code config}'s sizes; refuses a folder that already holds one of
     * other sizes, whose cached stages would not fit.
     */
    static void claim(Path dir, DemoConfig config) throws IOException {
        Path file = dir.resolve(CONFIG);
        if (Files.exists(file) && !config(dir).equals(config)) {
            throw new IOException(dir + " holds a demo model of other sizes (" + file + "); use another --dir or delete it");
        }
        Files.createDirectories(dir);
        AtomicFile.writeString(file, Json.writePretty(config.toJson()));
    }

    static ClipVisionEncoder loadVision(DemoConfig config, Path dir) throws IOException {
        ClipVisionEncoder encoder = new ClipVisionEncoder(VisionPretraining.encoderConfig(config), config.seed());
        StateDict.load(encoder.module(), dir.resolve(VISION), true);
        return encoder;
    }

    static LlamaModel loadLlama(DemoConfig config, LlamaTokenizer tokenizer, Path dir) throws IOException {
        LlamaModel model = LlamaModel.random(LanguagePretraining.modelConfig(config, tokenizer.vocabSize()), config.seed(), DType.F32);
        StateDict.load(model, dir.resolve(LLAMA), true);
        return model;
    }

    /**
     * {@code config.json}'s sizes against the stored weights' headers, before any model is built: a size edited in
     * {@code config.json}, or a config from other weights, is named here, where building the model first would fail
     * in its allocation (a hidden size of 100,000) or deep in loading.
     */
    static void checkAgainstWeights(DemoConfig config, int vocab, Path dir) throws IOException {
        expectSizes(dir, dir.resolve(LLAMA), "model.embed_tokens.weight", "lmHidden " + config.lmHidden() + ", " + vocab + " tokens in the tokenizer",
                new int[] {vocab, config.lmHidden()}, "model.layers.", "lmLayers", config.lmLayers());
        expectSizes(dir, dir.resolve(VISION), "vision_model.embeddings.patch_embedding.weight", "vitHidden " + config.vitHidden(),
                new int[] {config.vitHidden(), 3, DemoConfig.PATCH, DemoConfig.PATCH}, "vision_model.encoder.layers.", "vitLayers", config.vitLayers());
    }

    /** One weights file's header: {@code tensor} of shape {@code expected} and {@code layers} layers named {@code prefix}N. */
    private static void expectSizes(Path dir, Path weights, String tensor, String sizes, int[] expected,
                                    String prefix, String layerField, int layers) throws IOException {
        int[] stored;
        int storedLayers = 0;
        try (SafetensorsFile file = SafetensorsFile.open(weights)) {
            if (!file.contains(tensor)) throw new IOException(weights + " has no tensor " + tensor + "; it is not a demo model's file");
            stored = file.info(tensor).shape();
            for (String name : file.names()) {
                int end = name.startsWith(prefix) ? name.indexOf('.', prefix.length()) : -1;
                if (end < 0) continue;
                try {
                    storedLayers = Math.max(storedLayers, Integer.parseInt(name.substring(prefix.length(), end)) + 1);
                } catch (NumberFormatException e) {
                    // not a layer index: StateDict.load names the stray tensor
                }
            }
        }
        String mismatch = !Arrays.equals(stored, expected)
                ? "its " + tensor + " is " + Arrays.toString(stored) + ", where the config (" + sizes + ") implies " + Arrays.toString(expected)
                : storedLayers != layers ? layerField + " is " + layers + " but the file holds " + storedLayers + " layers" : null;
        if (mismatch != null) {
            throw new IOException(dir.resolve(CONFIG) + " does not describe " + weights + ": " + mismatch
                    + "; was the config edited or copied from another model?");
        }
    }

    /** The chat model of {@code dir} trained with {@code mode}. */
    public static DemoChatModel load(Path dir, MmcaMode mode) throws IOException {
        DemoConfig config = config(dir);
        Path weights = dir.resolve(mmcaFile(mode));
        if (!Files.exists(weights)) throw new IOException(dir + " has no " + mmcaFile(mode) + " (trained variants: strict, reference, causal)");
        LlamaTokenizer tokenizer = DemoTokenizer.load(dir);
        checkAgainstWeights(config, tokenizer.vocabSize(), dir);
        DemoData data = new DemoData(tokenizer);
        VisualChatModel model = MmcaTraining.model(config, loadVision(config, dir), loadLlama(config, tokenizer, dir), data, mode);
        StateDict.load(model, weights, false);
        return new DemoChatModel(model, data.encoder(), DemoData.PREPROCESSOR);
    }
}
