package org.visualchat.mmca.demo;

import org.visualchat.mmca.train.ProgressBar;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.visualchat.llama.model.LlamaModel;
import org.visualchat.llama.tokenizer.LlamaTokenizer;
import org.visualchat.mmca.attention.MmcaMode;
import org.visualchat.mmca.demo.world.Dialogue;
import org.visualchat.mmca.demo.world.Round;
import org.visualchat.mmca.demo.world.ScenePng;
import org.visualchat.mmca.demo.world.Split;
import org.visualchat.tensor.io.AtomicFile;
import org.visualchat.mmca.model.VisualChatModel;
import org.visualchat.nn.checkpoint.StateDict;
import org.visualchat.tensor.io.Json;
import org.visualchat.tensor.io.SafetensorsFile;
import org.visualchat.vision.encoder.ClipVisionEncoder;
import org.visualchat.vision.image.RgbImage;

/**
 * The embedded demo: DeepSpeed-VisualChat's recipe on a synthetic world, at a size a laptop trains in
 * minutes. Stages, each written to the model folder and skipped when its file is already there:
 * <ol>
 *   <li>tokenizer over the world's closed vocabulary ({@link DemoTokenizer});</li>
 *   <li>vision encoder pretrained on the images' attributes ({@link VisionPretraining});</li>
 *   <li>LLaMA pretrained on the conversations as text ({@link LanguagePretraining});</li>
 *   <li>both frozen; projection + embedding copy trained per attention variant ({@link MmcaTraining});</li>
 *   <li>held-out evaluation per variant ({@link HeldOutEvaluation}) → {@link AccuracyTable}.</li>
 * </ol>
 */
public final class DemoPipeline {
    /** The variants of the paper's attention ablation, MMCA first. */
    public static final List<MmcaMode> MODES = List.of(MmcaMode.STRICT, MmcaMode.REFERENCE, MmcaMode.CAUSAL);

    private final DemoConfig config;
    private final Path dir;
    private final PrintStream out;
    private final boolean interactive;

    /** @param interactive redraw progress bars in place (a terminal) rather than print a line per tenth */
    public DemoPipeline(DemoConfig config, Path dir, PrintStream out, boolean interactive) {
        this.config = config;
        this.dir = dir;
        this.out = out;
        this.interactive = interactive;
    }

    /**
     * Reads the header of every stage's weights already in the folder before any stage runs: a damaged one (the
     * stages write atomically, so only something else can damage it) fails now, named, rather than after the
     * stages before it have been trained again.
     */
    private void checkCachedStages() throws IOException {
        List<String> names = new ArrayList<>(List.of(DemoModel.VISION, DemoModel.LLAMA));
        for (MmcaMode mode : MODES) names.add(DemoModel.mmcaFile(mode));
        for (String name : names) {
            Path file = dir.resolve(name);
            if (!Files.exists(file)) continue;
            try (SafetensorsFile ignored = SafetensorsFile.open(file)) {
                // opening validates the header against the file's size
            } catch (IOException | RuntimeException e) {
                throw new IOException(e.getMessage() + " (a damaged cached stage: delete it and run again to retrain it)", e);
            }
        }
    }

    /** The held-out accuracy of each attention variant, after running (or reusing) every stage. */
    public Map<MmcaMode, DemoScores> run() throws IOException {
        long start = System.nanoTime();
        DemoModel.claim(dir, config);
        checkCachedStages();
        List<Dialogue> train = DemoData.dialogues(config, Split.TRAIN);
        List<Dialogue> heldOut = DemoData.dialogues(config, Split.HELD_OUT);
        out.printf(Locale.ROOT, "World: %d training conversations, %d held-out ones whose images never occur in training.%n",
                train.size(), heldOut.size());
        out.println("Model folder: " + dir + " (finished stages are reused; delete it to start over)");

        Path tokenizerFile = dir.resolve("tokenizer.json");
        LlamaTokenizer tokenizer = Files.exists(tokenizerFile) ? DemoTokenizer.load(dir) : DemoTokenizer.build(dir, DemoData.corpus(train));
        DemoData data = new DemoData(tokenizer);
        out.printf(Locale.ROOT, "[1/5] tokenizer: %d tokens (closed-vocabulary BPE + the 3 VisualChat tokens)%n", tokenizer.vocabSize());

        out.printf(Locale.ROOT, "[2/5] vision encoder: CLIP ViT, %d layers x %d wide, %d tokens per image, pretrained on shape attributes%n",
                config.vitLayers(), config.vitHidden(), VisualWords.TOKENS);
        ClipVisionEncoder vision;
        if (Files.exists(dir.resolve(DemoModel.VISION))) {
            vision = DemoModel.loadVision(config, dir);
            out.println("      (cached)");
        } else {
            VisionPretraining.Result r = VisionPretraining.train(config, bar("ViT", config.vitSteps()));
            vision = r.encoder();
            StateDict.save(vision.module(), dir.resolve(DemoModel.VISION), false);
            out.printf(Locale.ROOT, "      per-token attribute accuracy on held-out scenes: %.1f%%%n", 100 * r.heldOutTokenAccuracy());
        }

        out.printf(Locale.ROOT, "[3/5] language model: LLaMA, %d layers x %d wide, pretrained on %d new training conversations as text (images as captions)%n",
                config.lmLayers(), config.lmHidden(), config.lmSteps() * config.lmBatch());
        if (!Files.exists(dir.resolve(DemoModel.LLAMA))) {
            LlamaModel lm = LanguagePretraining.train(config, data, bar("LLaMA", config.lmSteps()));
            StateDict.save(lm, dir.resolve(DemoModel.LLAMA), false);
        } else {
            out.println("      (cached)");
        }

        out.println("[4/5] MMCA training: encoder and LLaMA frozen; projection + embedding copy trained, per attention variant");
        Map<MmcaMode, VisualChatModel> models = new EnumMap<>(MmcaMode.class);
        for (MmcaMode mode : MODES) {
            // A fresh LLaMA per variant: the embedding copy is taken from the pretrained table, never from another variant.
            VisualChatModel model = MmcaTraining.model(config, vision, DemoModel.loadLlama(config, tokenizer, dir), data, mode);
            Path weights = dir.resolve(DemoModel.mmcaFile(mode));
            if (Files.exists(weights)) {
                StateDict.load(model, weights, false);
                out.println("      " + AccuracyTable.name(mode) + " (cached)");
            } else {
                MmcaTraining.train(config, model, data, train, bar(AccuracyTable.name(mode), config.mmcaSteps()));
                StateDict.save(model, weights, true);
            }
            models.put(mode, model);
        }

        out.println("[5/5] held-out evaluation: every question asked through the chat interface, greedy decoding");
        Map<MmcaMode, DemoScores> results = new LinkedHashMap<>();
        for (MmcaMode mode : MODES) {
            Path file = dir.resolve("eval-" + mode.id() + ".json");
            if (Files.exists(file)) {
                results.put(mode, AccuracyTable.fromJson((Map<?, ?>) Json.read(file)));
                continue;
            }
            VisualChatModel model = models.get(mode);
            DemoScores s = HeldOutEvaluation.run(d -> new DemoChatModel(model, data.encoder(), DemoData.PREPROCESSOR), heldOut, config.maxAnswerTokens(), bar(AccuracyTable.name(mode), heldOut.size()));
            AtomicFile.writeString(file, Json.writePretty(AccuracyTable.toJson(s)));
            results.put(mode, s);
        }
        Map<String, DemoScores> columns = new LinkedHashMap<>();
        results.forEach((mode, scores) -> columns.put(AccuracyTable.name(mode), scores));
        LlamaModel lm = DemoModel.loadLlama(config, tokenizer, dir);
        columns.put("LM+captions", captionCeiling(lm, data, heldOut, MmcaMode.CAUSAL, "eval-captions.json"));
        columns.put("LM+capt strict", captionCeiling(lm, data, heldOut, MmcaMode.STRICT, "eval-captions-strict.json"));
        out.println();
        out.print(AccuracyTable.format(columns, AccuracyTable.chance(train), heldOut.size()));
        out.println("(LM+captions: the frozen LLaMA reading perfect captions instead of images, the ceiling for stage 4;");
        out.println(" causal attention, and MMCA strict with the captions in the images' place.)");
        writeExamples(heldOut.subList(0, Math.min(3, heldOut.size())));
        out.printf(Locale.ROOT, "%nTotal time %s. Example held-out images and their conversations: %s%n",
                minutes((System.nanoTime() - start) / 1e9), dir.resolve("examples"));
        return results;
    }

    /** A diagnostic column: the pretrained LM answering from each image's exact caption, under {@code mode}. */
    private DemoScores captionCeiling(LlamaModel lm, DemoData data, List<Dialogue> heldOut, MmcaMode mode, String name) throws IOException {
        Path file = dir.resolve(name);
        if (Files.exists(file)) return AccuracyTable.fromJson((Map<?, ?>) Json.read(file));
        DemoScores s = HeldOutEvaluation.run(d -> new CaptionReader(lm, data, d.scenes(), mode), heldOut, config.maxAnswerTokens(),
                bar("LM+captions " + mode.id(), heldOut.size()));
        AtomicFile.writeString(file, Json.writePretty(AccuracyTable.toJson(s)));
        return s;
    }

    /** Saves a few held-out conversations' images as PNG and the conversations in the eval format (with the expected answers beside it). */
    private void writeExamples(List<Dialogue> dialogues) throws IOException {
        Path examples = dir.resolve("examples");
        Map<String, Object> eval = new LinkedHashMap<>();
        StringBuilder expected = new StringBuilder();
        for (int i = 0; i < dialogues.size(); i++) {
            Dialogue d = dialogues.get(i);
            List<RgbImage> images = d.images(DemoData.RENDERER);
            List<Object> rounds = new ArrayList<>();
            for (Round r : d.rounds()) {
                List<String> paths = new ArrayList<>();
                for (int image : r.attached()) {
                    String name = "conversation" + (i + 1) + "-image" + image + ".png";
                    ScenePng.write(images.get(image - 1), examples.resolve(name));
                    paths.add(examples.resolve(name).toString());
                }
                rounds.add(paths.isEmpty() ? List.of(r.question()) : List.of(r.question(), String.join(" ", paths)));
                expected.append("conversation").append(i + 1).append(": ").append(r.question()).append(" -> ").append(r.answer()).append('\n');
            }
            eval.put("conversation" + (i + 1), rounds);
        }
        AtomicFile.writeString(examples.resolve("eval.json"), Json.writePretty(eval));
        AtomicFile.writeString(examples.resolve("expected.txt"), expected.toString());
    }

    private static String minutes(double seconds) {
        long s = Math.round(seconds);
        return String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
    }

    private ProgressBar bar(String label, int total) {
        return new ProgressBar(out, "      " + label, total, interactive);
    }
}
