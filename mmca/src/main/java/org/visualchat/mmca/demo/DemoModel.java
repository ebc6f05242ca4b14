package org.visualchat.mmca.demo;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.visualchat.llama.model.LlamaModel;
import org.visualchat.llama.tokenizer.LlamaTokenizer;
import org.visualchat.mmca.attention.MmcaMode;
import org.visualchat.tensor.io.AtomicFile;
import org.visualchat.mmca.model.VisualChatModel;
import org.visualchat.nn.checkpoint.StateDict;
import org.visualchat.tensor.DType;
import org.visualchat.tensor.io.Json;
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

    /** The chat model of {@code dir} trained with {@code mode}. */
    public static DemoChatModel load(Path dir, MmcaMode mode) throws IOException {
        DemoConfig config = config(dir);
        Path weights = dir.resolve(mmcaFile(mode));
        if (!Files.exists(weights)) throw new IOException(dir + " has no " + mmcaFile(mode) + " (trained variants: strict, reference, causal)");
        LlamaTokenizer tokenizer = DemoTokenizer.load(dir);
        DemoData data = new DemoData(tokenizer);
        VisualChatModel model = MmcaTraining.model(config, loadVision(config, dir), loadLlama(config, tokenizer, dir), data, mode);
        StateDict.load(model, weights, false);
        return new DemoChatModel(model, data.encoder(), DemoData.PREPROCESSOR);
    }
}
