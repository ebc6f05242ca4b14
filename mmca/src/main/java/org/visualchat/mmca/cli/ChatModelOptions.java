package org.visualchat.mmca.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.visualchat.llama.load.LlamaLoader;
import org.visualchat.llama.load.LoadedModel;
import org.visualchat.llama.tokenizer.LlamaTokenizer;
import org.visualchat.llama.tokenizer.VisualChatTokens;
import org.visualchat.mmca.attention.MmcaMode;
import org.visualchat.mmca.demo.DemoChatModel;
import org.visualchat.mmca.demo.DemoModel;
import org.visualchat.mmca.model.VocabularyResize;
import org.visualchat.mmca.train.TrainConfig;
import org.visualchat.tensor.io.Json;
import org.visualchat.vision.encoder.VisionEncoder;
import org.visualchat.vision.encoder.VisionEncoders;
import picocli.CommandLine.Option;

/**
 * Which trained model {@code chat} and {@code eval} load: a demo folder ({@code visualchat demo}), or a full
 * configuration: the output folder of {@code visualchat train} (its {@code config.json} and
 * {@code epoch-N/model.safetensors}) with the base LLaMA-2 and vision encoder it was trained on, rebuilt
 * exactly as training built it ({@link TrainCommand#assemble}) and given the trained weights.
 */
final class ChatModelOptions {
    @Option(names = "--model", required = true, description = "A `visualchat demo` model folder, or a `visualchat train` output_dir (then also --lm_model_name_or_path and --vision_model_name_or_path).")
    Path model;

    @Option(names = "--lm_model_name_or_path", description = "The LLaMA-2 the run trained on: HF directory (sharded safetensors, mapped in their dtype), .gguf file or Meta folder.")
    Path lmPath;

    @Option(names = "--vision_model_name_or_path", description = "The vision encoder folder the run trained on (CLIP or qwen_clip).")
    Path visionPath;

    @Option(names = "--checkpoint", description = "Trained weights (default: the last epoch-N/model.safetensors of --model).")
    Path checkpoint;

    @Option(names = "--tokenizer", description = "tokenizer.model or tokenizer.json (default: the LLaMA's own).")
    Path tokenizer;

    @Option(names = "--attention", description = "Demo folders: the trained variant, strict, reference or causal (default: strict); a trained run uses its config's.")
    String attention;

    /** A loaded model and the mapped LLaMA weights it reads (unmapped by {@link #close}). */
    static final class Opened implements AutoCloseable {
        final DemoChatModel model;
        private final LoadedModel weights;

        Opened(DemoChatModel model, LoadedModel weights) {
            this.model = model;
            this.weights = weights;
        }

        @Override
        public void close() throws IOException {
            if (weights != null) weights.close();
        }
    }

    Opened open(Consumer<String> progress) throws IOException {
        if ((lmPath == null) != (visionPath == null)) {
            throw new IllegalArgumentException("--lm_model_name_or_path and --vision_model_name_or_path go together (a trained run needs both base models)");
        }
        Map<?, ?> keys = configKeys(model);
        if (keys.containsKey("hidden_size")) {
            throw new IllegalArgumentException(model + " is a Hugging Face model folder (its config.json has hidden_size), not a chat model: --model takes a"
                    + " `visualchat demo` folder or a `visualchat train` output_dir (a LLaMA goes in --lm_model_name_or_path); for text alone use `visualchat generate`");
        }
        if (lmPath == null) {
            if (keys.containsKey("vis_proj")) {
                throw new IllegalArgumentException(model + " is a `visualchat train` output folder: pass --lm_model_name_or_path and"
                        + " --vision_model_name_or_path (the base models it was trained on)");
            }
            if (checkpoint != null || tokenizer != null) {
                throw new IllegalArgumentException("--checkpoint and --tokenizer apply to a trained run (with --lm_model_name_or_path and --vision_model_name_or_path), not to a demo folder");
            }
            return new Opened(DemoModel.load(model, MmcaMode.parse(attention == null ? "strict" : attention)), null);
        }
        if (attention != null) throw new IllegalArgumentException("--attention: a trained run uses the attention of its " + model.resolve("config.json"));
        Path configFile = model.resolve("config.json");
        if (!Files.isRegularFile(configFile)) throw new IOException(model + ": no config.json; expected the output_dir of `visualchat train`");
        TrainConfig config = TrainConfig.resolve(configFile, Map.of());
        Path weights = checkpoint != null ? checkpoint : lastEpoch(model);
        if (!Files.isRegularFile(weights)) {   // before the base models load
            throw new IOException("--checkpoint " + weights + ": " + (Files.exists(weights) ? "is not a file" : "no such file"));
        }
        VisionEncoder encoder = VisionEncoders.load(visionPath);
        LoadedModel loaded = LlamaLoader.load(lmPath, progress);
        try {
            // Checked against the LLaMA's own vocabulary, before the added tokens grow both.
            LlamaTokenizer tok = VisualChatTokens.addTo(loaded.tokenizer(tokenizer != null ? tokenizer : lmPath));
            TrainCommand.Assembled assembled = TrainCommand.assemble(config, tok, encoder,
                    VocabularyResize.resize(loaded.model(), tok.vocabSize(), config.seed()));
            assembled.model().loadTrained(weights);
            progress.accept("trained weights " + weights + " (" + config.visProj() + " projection, " + config.attention().id() + " attention)");
            return new Opened(new DemoChatModel(assembled.model(), assembled.conversations(), assembled.preprocessor()), loaded);
        } catch (IOException | RuntimeException e) {
            loaded.close();
            throw e;
        }
    }

    /**
     * The keys of {@code dir}'s config.json (none if it has none), enough to tell what kind of folder it is before
     * it is read as a chat model: {@code vis_proj} marks a train output_dir, {@code hidden_size} a Hugging Face model.
     */
    private static Map<?, ?> configKeys(Path dir) throws IOException {
        Path file = dir.resolve("config.json");
        return Files.isRegularFile(file) && Json.read(file) instanceof Map<?, ?> keys ? keys : Map.of();
    }

    /** The last epoch's weights a training run wrote: {@code epoch-N/model.safetensors} with the largest N. */
    private static Path lastEpoch(Path dir) throws IOException {
        Optional<Path> last;
        try (Stream<Path> files = Files.list(dir)) {
            last = files.filter(p -> p.getFileName().toString().matches("epoch-\\d+") && Files.isRegularFile(p.resolve("model.safetensors")))
                    .max((a, b) -> Integer.compare(epoch(a), epoch(b)));
        }
        return last.orElseThrow(() -> new IOException(dir + ": no epoch-N/model.safetensors (training has not finished an epoch); pass --checkpoint"))
                .resolve("model.safetensors");
    }

    private static int epoch(Path dir) {
        return Integer.parseInt(dir.getFileName().toString().substring("epoch-".length()));
    }
}
