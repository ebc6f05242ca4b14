package org.visualchat.mmca.cli;

import org.visualchat.llama.load.LlamaLoader;
import org.visualchat.llama.load.LoadedModel;
import org.visualchat.llama.model.LlamaModel;
import org.visualchat.llama.tokenizer.LlamaTokenizer;
import org.visualchat.llama.tokenizer.VisualChatTokens;
import org.visualchat.mmca.data.Collator;
import org.visualchat.mmca.data.SamplePreparer;
import org.visualchat.mmca.data.SkipLog;
import org.visualchat.mmca.model.VisualChatModel;
import org.visualchat.mmca.model.VisualChatOptions;
import org.visualchat.mmca.model.VisualProjection;
import org.visualchat.mmca.model.VocabularyResize;
import org.visualchat.mmca.prompt.ConversationEncoder;
import org.visualchat.mmca.train.ConversationData;
import org.visualchat.mmca.train.TrainConfig;
import org.visualchat.mmca.train.Trainer;
import org.visualchat.nn.Lora;
import org.visualchat.nn.Module;
import org.visualchat.nn.NamePattern;
import org.visualchat.parallel.ProcessGroup;
import org.visualchat.vision.encoder.VisionEncoder;
import org.visualchat.vision.encoder.VisionEncoders;
import org.visualchat.vision.image.ClipPreprocessor;
import org.visualchat.vision.image.DecodeOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code visualchat train}: the reference's {@code training/main.py} (reference §5) on one process.
 * Options keep main.py's names; a JSON file ({@code --config}) may set any of them, flags win.
 */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = {"Train the projection and the embedding copy of a VisualChat model (frozen LLaMA-2 + frozen vision encoder).",
                "Writes train_log.csv, eval_log.csv, loss_curve.svg, epoch-N/model.safetensors and a resumable checkpoint.safetensors",
                "into --output_dir; a run whose output_dir holds a checkpoint resumes from it."})
public final class TrainCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--lm_model_name_or_path", required = true, description = "LLaMA-2 checkpoint: HF directory, .safetensors, index.json or .gguf.")
    Path lmPath;

    @Option(names = "--vision_model_name_or_path", required = true, description = "Vision encoder directory (CLIP or qwen_clip).")
    Path visionPath;

    @Option(names = "--tokenizer", description = "tokenizer.model or tokenizer.json (default: in the LM directory).")
    Path tokenizerPath;

    @Mixin
    DataMixtureOptions mixture = new DataMixtureOptions();

    @Option(names = "--device", converter = LlamaDevice.Setting.class, description = "Where the frozen LLaMA (forward and backward) and CLIP encoder run: cpu, opencl or opencl:N; "
            + "lang_embed, the projection and AdamW stay on the CPU (default: ${DEFAULT-VALUE}).")
    String device = "cpu";

    @Option(names = "--config", description = "JSON file with training options (main.py names); flags override it.")
    Path config;

    // Training options: read by name through the spec in overrides(), so each flag is its TrainConfig key.
    @Option(names = "--learning_rate") Double learningRate;
    @Option(names = "--learning_rate_pretraining_components") Double embedLearningRate;
    @Option(names = "--weight_decay") Double weightDecay;
    @Option(names = "--num_train_epochs") Integer epochs;
    @Option(names = "--per_device_train_batch_size") Integer batchSize;
    @Option(names = "--per_device_eval_batch_size") Integer evalBatchSize;
    @Option(names = "--gradient_accumulation_steps") Integer accumulation;
    @Option(names = "--lr_scheduler_type", description = "cosine, linear or constant.") String scheduler;
    @Option(names = "--num_warmup_steps", description = "<= 1: fraction of update steps; > 1: steps.") Double warmup;
    @Option(names = "--gradient_clipping") Double clipping;
    @Option(names = "--max_seq_len") Integer maxSeqLen;
    @Option(names = "--image_size", description = "Shortest side and crop of the image preprocessing (default: the encoder's).") Integer imageSize;
    @Option(names = "--vis_proj", description = "baseline, vit or perceiver.") String visProj;
    @Option(names = "--attention", description = "MMCA mode: strict (default), reference, causal.") String attention;
    @Option(names = "--enable_mmca_attention", description = "main.py's flag: same as --attention reference when given.") boolean enableMmca;
    @Option(names = "--reverse_image_order", arity = "0..1", fallbackValue = "true", description = "Parity: pair <image> slots with images in reverse (issue #800).") Boolean reverse;
    @Option(names = "--lang_lora_dim") Integer langLoraDim;
    @Option(names = "--lang_lora_module_name") String langLoraModule;
    @Option(names = "--vis_lora_dim") Integer visLoraDim;
    @Option(names = "--vis_lora_module_name") String visLoraModule;
    @Option(names = "--only_optimize_lora", arity = "0..1", fallbackValue = "true") Boolean onlyLora;
    @Option(names = "--gradient_checkpointing", arity = "0..1", fallbackValue = "true") Boolean checkpointing;
    @Option(names = "--precision", description = "fp32, bf16 or fp16 (trainable parameters; AdamW keeps F32 masters; fp16 with DeepSpeed's dynamic loss scaling).") String precision;
    @Option(names = "--seed") Long seed;
    @Option(names = "--data_train_split_ratio") Double split;
    @Option(names = "--save_steps", description = "Also checkpoint every N updates (0: at epoch ends only).") Integer saveSteps;
    @Option(names = "--output_dir") String outputDir;
    // Data parallelism: applies when launched with several ranks (visualchat launch --nproc N -- train ..., or torchrun-style variables).
    @Option(names = "--zero_stage", description = "ZeRO stage 0-3 under data parallelism (default 0: plain all-reduce).") Integer zeroStage;
    @Option(names = "--overlap_comm", arity = "0..1", fallbackValue = "true", description = "Reduce gradient buckets while backward runs.") Boolean overlapComm;
    @Option(names = "--reduce_bucket_size", description = "Elements per gradient bucket (default 5e8).") Long reduceBucketSize;
    @Option(names = "--zero_prefetch_units", description = "ZeRO-3: units gathered ahead (default 1).") Integer prefetchUnits;

    @Override
    public Integer call() throws Exception {
        TrainConfig c = TrainConfig.resolve(config, overrides());
        mixture.check();
        OptionChecks.outputDirectory("--output_dir", c.outputDir());
        VisionEncoder encoder = VisionEncoders.load(visionPath);
        try (LoadedModel loaded = LlamaLoader.load(lmPath, System.err::println)) {                 // weights stay mapped while training
            // Checked against the LLaMA's own vocabulary, before the added tokens grow both.
            LlamaTokenizer tokenizer = VisualChatTokens.addTo(loaded.tokenizer(tokenizerPath != null ? tokenizerPath : lmPath));
            return train(c, tokenizer, encoder, VocabularyResize.resize(loaded.model(), tokenizer.vocabSize(), c.seed()));
        }
    }

    /** A VisualChat model as a training run builds it, with the prompt encoder and image preprocessing it uses. */
    record Assembled(VisualChatModel model, ConversationEncoder conversations, ClipPreprocessor preprocessor) {}

    /**
     * The model a run with config {@code c} trains (options, projection, LoRA), over a decoder already resized
     * to the tokenizer: shared by training and by chat/eval on a trained run, so both build the same model.
     */
    static Assembled assemble(TrainConfig c, LlamaTokenizer tokenizer, VisionEncoder encoder, LlamaModel decoder) {
        ConversationEncoder conversations = new ConversationEncoder(tokenizer);
        VisualChatOptions options = VisualChatOptions.defaults().withAttention(c.attention())
                .withImageOrder(c.reverseImageOrder())
                .withTokens(conversations.imageTokenId(), tokenizer.eosId(), tokenizer.eosId());
        VisualProjection projection = VisualProjection.create(c.visProj(), encoder, decoder.config().hiddenSize(), c.seed());
        VisualChatModel model = new VisualChatModel(encoder, decoder, projection, options);
        addLora(decoder, c.langLoraDim(), c.langLoraModule(), c.onlyOptimizeLora(), c.seed(), "lang");
        addLora(encoder.module(), c.visLoraDim(), c.visLoraModule(), c.onlyOptimizeLora(), c.seed() + 1, "vis");
        ClipPreprocessor pre = c.imageSize() == 0 ? encoder.preprocessor()
                : new ClipPreprocessor(c.imageSize(), c.imageSize(), ClipPreprocessor.CLIP_MEAN, ClipPreprocessor.CLIP_STD);
        return new Assembled(model, conversations, pre);
    }

    private int train(TrainConfig c, LlamaTokenizer tokenizer, VisionEncoder encoder, LlamaModel decoder) throws Exception {
        Assembled assembled = assemble(c, tokenizer, encoder, decoder);
        VisualChatModel model = assembled.model();
        ClipPreprocessor pre = assembled.preprocessor();
        int perImage = model.projection().outputTokens(encoder.tokens());
        SamplePreparer preparer = new SamplePreparer(assembled.conversations(), pre, DecodeOptions.PILLOW_PARITY, c.maxSeqLen(), perImage);
        SkipLog skips = new SkipLog();
        ConversationData data = new ConversationData(mixture.open(c.seed()), preparer, Collator.placeholders(pre, tokenizer.eosId(), 1), c.seed(), skips);
        System.err.printf(Locale.ROOT, "training %,d parameters (%s) of %,d; %d samples%n", model.parameterCount(true),
                String.join(", ", model.trainableParameters().keySet().stream().map(n -> n.substring(0, n.indexOf('.'))).distinct().toList()),
                model.parameterCount(false), data.size());
        Trainer trainer = new Trainer(model, c, System.err, System.console() != null);
        try (TrainingDevice ignored = TrainingDevice.open(device, model, c, trainer, System.err)) {
            return train(trainer, c, data, skips);
        }
    }

    private static int train(Trainer trainer, TrainConfig c, ConversationData data, SkipLog skips) throws Exception {
        if (System.getenv("WORLD_SIZE") == null) {
            if (c.zero().stage() > 0) System.err.println("note: --zero_stage applies to data-parallel runs (visualchat launch --nproc N -- train ...); training on one process");
            return report(trainer.train(data), skips);
        }
        try (ProcessGroup pg = ProcessGroup.fromEnv()) {
            System.err.printf(Locale.ROOT, "rank %d of %d, ZeRO stage %d%s%n", pg.rank(), pg.size(), c.zero().stage(), c.zero().overlapComm() ? ", overlap_comm" : "");
            return report(trainer.dataParallel(pg).train(data), skips);
        }
    }

    private static int report(Trainer.Summary s, SkipLog skips) {
        System.err.printf(Locale.ROOT, "done: %d updates, last loss %.4f, %.0f tokens/s, %d batches skipped%n%s%n",
                s.steps(), s.lastLoss(), s.tokensPerSecond(), s.skippedBatches(), skips.summary());
        return 0;
    }

    /** Every training option the user gave, under its main.py name (the flag without dashes). */
    private Map<String, Object> overrides() {
        Map<String, Object> o = new LinkedHashMap<>();
        Map<String, Object> known = TrainConfig.defaults();
        for (OptionSpec option : spec.options()) {
            String key = option.longestName().replaceFirst("^--", "");
            if (known.containsKey(key) && option.getValue() != null) o.put(key, option.getValue());
        }
        if (enableMmca && attention == null) o.put("attention", "reference");
        return o;
    }

    /** The reference's LoRA (rank r, alpha 1 → scale 1/r) on every Linear whose name contains {@code filter}. */
    private static void addLora(Module root, int rank, String filter, boolean onlyLora, long seed, String which) {
        if (rank == 0) return;
        List<String> wrapped = Lora.apply(root, NamePattern.contains(filter), rank, 1f, seed);
        if (wrapped.isEmpty()) throw new IllegalArgumentException("--" + which + "_lora_module_name '" + filter + "' matched no Linear layer");
        if (onlyLora) Lora.onlyOptimizeLora(root);
        System.err.printf(Locale.ROOT, "%s LoRA rank %d on %d layers%n", which, rank, wrapped.size());
    }
}
