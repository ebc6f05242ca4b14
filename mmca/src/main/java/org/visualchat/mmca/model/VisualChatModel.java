package org.visualchat.mmca.model;

import org.visualchat.autograd.NoGrad;
import org.visualchat.autograd.Variable;
import org.visualchat.llama.generate.Sampler;
import org.visualchat.llama.model.CausalLm;
import org.visualchat.llama.model.LlamaBackbone;
import org.visualchat.llama.model.LlamaLayer;
import org.visualchat.llama.model.LlamaModel;
import org.visualchat.mmca.attention.MmcaAttention;
import org.visualchat.nn.AttentionPolicy;
import org.visualchat.nn.Checkpointing;
import org.visualchat.nn.Module;
import org.visualchat.nn.checkpoint.TrainingCheckpoint;
import org.visualchat.tensor.Tensor;
import org.visualchat.tensor.io.SafetensorsFile;
import org.visualchat.tensor.io.TensorSource;
import org.visualchat.vision.encoder.VisionEncoder;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.IntConsumer;
import java.util.function.UnaryOperator;

/**
 * DeepSpeed-VisualChat's {@code DeepSpeedViLModel} (reference §1): frozen vision encoder → trainable
 * projection → spliced at each {@code <image>} into embeddings from a trainable copy of the token
 * table → frozen LLaMA with MMCA → logits → shifted token-mean cross-entropy.
 *
 * <p>Parameter names are the original's: {@code vis_encoder.*}, {@code lang_decoder.*},
 * {@code lang_embed.weight}, {@code projection.*}; only {@code lang_embed} and {@code projection}
 * are trainable (plus LoRA factors when added).
 *
 * <pre>{@code
 * var model = new VisualChatModel(encoder, llama, new BaselineProjection(1024, 4096, seed), VisualChatOptions.defaults());
 * Variable loss = model.loss(input, false);     // training step
 * int[] reply = model.generate(promptIds, pixels, 256, t -> {});
 * }</pre>
 */
public final class VisualChatModel extends Module {
    /** The original rounds training batches up to a multiple of 8 positions; generation is not padded. */
    public static final int TRAINING_PAD_MULTIPLE = 8;

    private final VisionEncoder encoder;
    private final LlamaModel decoder;
    private final LanguageEmbedding langEmbed;
    private final VisualProjection projection;
    private UnitRunner units = UnitRunner.DIRECT;
    /** Runs the frozen encoder elsewhere (pixels → features), e.g. on an OpenCL device; null = {@link #encoder}. */
    private UnaryOperator<Tensor> imageEncoder;
    /** Stands for "no images" as the input of the {@code lang_embed} unit (compared by identity). */
    private static final Tensor NO_IMAGES = Tensor.zeros(1);
    private final VisualChatOptions options;
    private final ImageSplicer splicer;

    public VisualChatModel(VisionEncoder encoder, LlamaModel decoder, VisualProjection projection, VisualChatOptions options) {
        int vocab = decoder.config().vocabSize();
        if (options.imageTokenId() >= vocab || options.padId() >= vocab || options.eosId() >= vocab) {
            throw new IllegalArgumentException("the decoder's vocabulary has " + vocab + " rows; <image> id " + options.imageTokenId()
                    + ", pad id " + options.padId() + " and EOS id " + options.eosId() + " must be below it (resize to 32003 for the added tokens)");
        }
        this.encoder = encoder;
        this.decoder = decoder;
        this.options = options;
        encoder.setTrainable(false);
        child("vis_encoder", encoder.module());
        child("lang_decoder", decoder);
        this.langEmbed = child("lang_embed", new LanguageEmbedding(decoder.namedParameters().get("model.embed_tokens.weight").value()));
        this.projection = child("projection", projection);
        this.splicer = new ImageSplicer(options.imageTokenId(), options.padId(), options.reverseImageOrder());
    }

    public VisualChatOptions options() { return options; }

    public VisionEncoder encoder() { return encoder; }

    public LlamaModel decoder() { return decoder; }

    public VisualProjection projection() { return projection; }

    public LanguageEmbedding langEmbed() { return langEmbed; }

    /**
     * Loads the trained parameters ({@code lang_embed.weight}, {@code projection.*}, LoRA factors) from
     * a checkpoint under the original's names: our {@code epoch-N/model.safetensors}, or the original's
     * {@code pytorch_model.bin} (full state dict; its frozen {@code vis_encoder.*} / {@code lang_decoder.*}
     * tensors are the base weights and are left alone — note the original fuses LoRA into them before
     * saving, which this does not undo). Every trainable parameter must be present with its shape.
     */
    public void loadTrained(Path file) throws IOException {
        try (TensorSource source = TensorSource.open(file)) {
            if (source instanceof SafetensorsFile f && TrainingCheckpoint.isCheckpoint(f)) {
                throw new IllegalArgumentException(file + " is the resumable training checkpoint (for `visualchat train` to resume);"
                        + " pass the weights an epoch wrote, epoch-N/model.safetensors in the same folder");
            }
            List<String> problems = new ArrayList<>();
            Map<String, Variable> trainable = trainableParameters();
            trainable.forEach((name, p) -> {
                if (!source.contains(name)) problems.add(name + " missing");
                else if (!Arrays.equals(source.info(name).shape(), p.shape())) {
                    problems.add(name + " has shape " + Arrays.toString(source.info(name).shape()) + ", the model " + Arrays.toString(p.shape()));
                }
            });
            if (!problems.isEmpty()) throw new IllegalArgumentException(file + " does not fit this model: " + String.join("; ", problems));
            trainable.forEach((name, p) -> p.setValue(source.tensor(name).to(p.value().dtype())));
        }
    }

    /**
     * How {@link #projectImages} runs the projection and {@link #splice} the embedding lookup: directly, or as
     * ZeRO-3 units whose parameters are gathered around each call ({@code ZeroEngine::forward}).
     */
    @FunctionalInterface
    public interface UnitRunner {
        Variable run(Module unit, Variable input, UnaryOperator<Variable> body);

        UnitRunner DIRECT = (unit, input, body) -> body.apply(input);
    }

    public void runUnitsWith(UnitRunner runner) {
        this.units = runner;
    }

    /** Encoder (no graph while frozen) then projection (on the tape): pixels [N, 3, S, S] → [N, P', H]. */
    public Variable projectImages(Tensor pixels) {
        if (pixels == null) return null;
        return project(imageEncoder == null ? encoder.encode(pixels) : Variable.of(imageEncoder.apply(pixels)));
    }

    /**
     * Training and evaluation encode images with {@code vision} (pixels → the same features as {@link #encoder()},
     * e.g. {@code OpenClClipVision::encode}); null = the encoder itself. The encoder must be frozen (no vision LoRA).
     */
    public void encodeImagesWith(UnaryOperator<Tensor> vision) {
        if (vision != null && !encoder.module().trainableParameters().isEmpty()) {
            throw new IllegalStateException("the vision encoder has trainable parameters (vision LoRA): it must run on the tape here, not elsewhere");
        }
        this.imageEncoder = vision;
    }

    /** The projection (a unit, see {@link UnitRunner}) of image features [N, tokens, dim]. */
    private Variable project(Variable features) {
        return units.run(projection, features, projection::forward);
    }

    /**
     * Embeddings, codes and labels of a batch after splicing, padded to {@code padMultiple}. The token lookup
     * and splicing run as the {@code lang_embed} unit (its input: the projected images, or a placeholder when the
     * batch has none), so under ZeRO-3 the embedding table is gathered for it like the projection.
     */
    public SplicedBatch splice(ModelInput input, int padMultiple) {
        return splice(input, padMultiple, projectImages(input.pixels()));
    }

    private SplicedBatch splice(ModelInput input, int padMultiple, Variable images) {
        return splice(input.ids(), input.codes(), input.labels(), input.imageCounts(), padMultiple, images);
    }

    private SplicedBatch splice(int[][] ids, int[][] codes, int[][] labels, int[] imageCounts, int padMultiple, Variable images) {
        SplicedBatch[] spliced = new SplicedBatch[1];
        Variable embeddings = units.run(langEmbed, images != null ? images : Variable.of(NO_IMAGES), in -> {
            spliced[0] = splicer.splice(ids, codes, labels, imageCounts, in.value() == NO_IMAGES ? null : in, langEmbed.weight(), padMultiple);
            return spliced[0].embeddings();
        });
        return new SplicedBatch(embeddings, spliced[0].codes(), spliced[0].labels());
    }

    /** Logits [B, L, V] of a spliced batch at positions 0..L−1 (reference §1.1 step 6). */
    public Variable logits(SplicedBatch spliced, boolean gradientCheckpointing) {
        return decoder.lmHead().forward(hidden(spliced, gradientCheckpointing, null));
    }

    /**
     * The final-norm hidden states: [B, S, d], or with {@code rows} [rows, d] at those rows of the flattened [B·S]
     * positions, the last layer's feed-forward half run for them alone ({@link LlamaLayer#forwardAt}).
     */
    private Variable hidden(SplicedBatch spliced, boolean gradientCheckpointing, Tensor rows) {
        Tensor positions = LlamaModel.positions(0, spliced.length());
        AttentionPolicy policy = MmcaAttention.of(options.attention(), spliced.codes());
        LlamaBackbone backbone = decoder.backbone();
        Variable x = spliced.embeddings();
        for (int i = 0; i < backbone.layerCount(); i++) {
            LlamaLayer layer = backbone.layer(i);
            UnaryOperator<Variable> block = rows != null && i == backbone.layerCount() - 1
                    ? in -> layer.forwardAt(in, positions, policy, rows)
                    : in -> layer.forward(in, positions, policy);
            x = gradientCheckpointing ? Checkpointing.run(layer, x, block) : block.apply(x);
        }
        return backbone.norm().forward(x);
    }

    /** The training loss of one batch (reference §1.8). */
    public Variable loss(ModelInput input, boolean gradientCheckpointing) {
        return loss(splice(input, TRAINING_PAD_MULTIPLE), gradientCheckpointing);
    }

    /**
     * The training loss of an already spliced batch. Only the positions that predict a kept target reach it (the
     * answers: about a tenth of a demo batch), so the last layer's feed-forward half, the final norm and the LM head
     * run for those rows alone ({@link ShiftedLoss#crossEntropyAt}); with the decoder frozen every gradient has the
     * bits of the loss over all logits.
     */
    public Variable loss(SplicedBatch spliced, boolean gradientCheckpointing) {
        return ShiftedLoss.crossEntropyAt(rows -> decoder.lmHead().forward(hidden(spliced, gradientCheckpointing, rows)), spliced.labels());
    }

    /**
     * The training loss of a spliced batch with the frozen language model run by {@code lm} (e.g. on an
     * OpenCL device) under this model's MMCA; its backward reaches the same trainable parameters.
     */
    public Variable loss(SplicedBatch spliced, LanguageModelLoss lm) {
        return lm.loss(spliced.embeddings(), MmcaAttention.of(options.attention(), spliced.codes()), spliced.labels());
    }

    /** Greedy {@link #generate(int[], Tensor, int, Sampler, IntConsumer)}. */
    public int[] generate(int[] promptIds, Tensor pixels, int maxNewTokens, IntConsumer onToken) {
        return generate(promptIds, pixels, maxNewTokens, null, onToken);
    }

    /**
     * Generation for one conversation (the original: batch 1, {@code max_new_tokens}): the prompt ids
     * with one {@code <image>} per image of {@code pixels}, prefilled once into a KV cache, then one
     * decode step per token with MMCA over the cached codes (new tokens are text, code 1). Tokens are
     * drawn by {@code sampler} (null: greedy). Stops at EOS (not returned) or after
     * {@code maxNewTokens}; each token is also passed to {@code onToken} as soon as it is chosen.
     */
    public int[] generate(int[] promptIds, Tensor pixels, int maxNewTokens, Sampler sampler, IntConsumer onToken) {
        return generate(decoder, null, promptIds, pixels, maxNewTokens, sampler, onToken);
    }

    /**
     * As {@link #generate(int[], Tensor, int, Sampler, IntConsumer)} with the frozen parts run elsewhere:
     * the language model by {@code lm} (this model's {@link #decoder()}, or the same weights on another
     * backend, e.g. {@code OpenClLlama}) and the image encoder by {@code vision} (pixels → features
     * [N, tokens, dim], the same as {@link #encoder()}'s; null = that encoder). Projection, splicing
     * and the embeddings stay here, on the CPU.
     */
    public int[] generate(CausalLm lm, UnaryOperator<Tensor> vision, int[] promptIds, Tensor pixels, int maxNewTokens, Sampler sampler,
                          IntConsumer onToken) {
        try (ConversationCache cache = new ConversationCache(lm, options.attention())) {
            return generate(cache, promptIds, pixels == null ? null : imageEmbeddings(vision, pixels), maxNewTokens, sampler, onToken);
        }
    }

    /**
     * The projected image embeddings generation splices in: pixels [N, 3, S, S] → [N, tokens, hidden], encoded by
     * {@code vision} (null = {@link #encoder()}). Images are independent, so a conversation encodes each once.
     */
    public Tensor imageEmbeddings(UnaryOperator<Tensor> vision, Tensor pixels) {
        try (NoGrad ignored = NoGrad.enter()) {
            return project(vision == null ? encoder.encode(pixels) : Variable.of(vision.apply(pixels))).value();
        }
    }

    /**
     * Generation in a conversation whose earlier rounds are in {@code cache} (of this model's attention mode): the
     * prompt ids, with one {@code <image>} per row of {@code images} ({@link #imageEmbeddings}, all of the
     * conversation's in order; null for none), are spliced and prefilled on top of what the cache still holds of
     * them, then decoded as {@link #generate(int[], Tensor, int, Sampler, IntConsumer)} does. The generated tokens
     * stay in the cache for the next round.
     */
    public int[] generate(ConversationCache cache, int[] promptIds, Tensor images, int maxNewTokens, Sampler sampler, IntConsumer onToken) {
        if (cache.mode() != options.attention()) {
            throw new IllegalArgumentException("the conversation cache runs " + cache.mode().id() + " attention, this model " + options.attention().id());
        }
        try (NoGrad ignored = NoGrad.enter()) {
            int[] ones = new int[promptIds.length];
            Arrays.fill(ones, 1);
            int count = images == null ? 0 : images.dim(0);
            SplicedBatch spliced = splice(new int[][] {promptIds}, new int[][] {ones}, new int[][] {ones.clone()}, new int[] {count}, 1,
                    images == null ? null : Variable.of(images));
            return decode(cache, spliced.embeddings().value(), spliced.codes()[0], maxNewTokens, sampler, onToken);
        }
    }

    /** Prefill, then one decode step per token (new tokens are text). */
    private int[] decode(ConversationCache cache, Tensor prompt, int[] codes, int maxNewTokens, Sampler sampler, IntConsumer onToken) {
        Tensor logits = cache.prefill(prompt, codes, maxNewTokens);
        int[] out = new int[maxNewTokens];
        int n = 0;
        while (n < maxNewTokens) {
            float[] scores = logits.toFloatArray();
            int next = sampler == null ? Sampler.argmax(scores) : sampler.sample(scores, Arrays.copyOf(out, n));
            if (next == options.eosId()) break;
            out[n++] = next;
            onToken.accept(next);
            if (n == maxNewTokens) break;
            Tensor id = Tensor.ofInts(new int[] {next}, 1, 1);
            logits = cache.append(options.frozenEmbeddingForGenerated() ? decoder.embedTokens(id) : langEmbed.forward(id).value());
        }
        return Arrays.copyOf(out, n);
    }
}
