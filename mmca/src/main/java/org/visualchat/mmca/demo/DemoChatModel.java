package org.visualchat.mmca.demo;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import org.visualchat.llama.model.CausalLm;
import org.visualchat.llama.tokenizer.LlamaTokenizer;
import org.visualchat.mmca.chat.ChatModel;
import org.visualchat.mmca.chat.ChatTurn;
import org.visualchat.mmca.chat.GenerationOptions;
import org.visualchat.mmca.model.ConversationCache;
import org.visualchat.mmca.model.VisualChatModel;
import org.visualchat.mmca.prompt.ConversationEncoder;
import org.visualchat.mmca.prompt.MarkerNumbering;
import org.visualchat.mmca.prompt.Turn;
import org.visualchat.tensor.Tensor;
import org.visualchat.tensor.ops.Join;
import org.visualchat.vision.image.ClipPreprocessor;
import org.visualchat.vision.image.RgbImage;

/**
 * A {@link VisualChatModel} behind the chat interface. The prompt is built as in training and as the
 * reference's chat loop does (§3.4): the finished rounds rendered as training samples (each round with its
 * BOS, answer and EOS), then this round's instruction with its BOS and no answer; every image of the
 * conversation is spliced in, in order. Answers are decoded by the model's {@code generate}, greedily or with
 * llama's sampler as the options say; the text is streamed as each token arrives.
 *
 * <p>The last conversation stays cached: its KV cache ({@link ConversationCache}) and each image's projected
 * embeddings (by image identity), so its next round encodes only the new images and prefills only the tokens
 * after the longest prefix the cache already holds (the new round, and any history tokens that re-tokenize
 * differently from what was generated) instead of the whole conversation. The model's weights must not change
 * while it is in use; one conversation is answered at a time.
 */
public final class DemoChatModel implements ChatModel {
    private final VisualChatModel model;
    private final ConversationEncoder encoder;
    private final ClipPreprocessor preprocessor;
    private final CausalLm languageModel;
    private final UnaryOperator<Tensor> vision;
    private ConversationCache cache;
    /** Projected embeddings [1, tokens, hidden] of the images of the last conversation, by identity. */
    private Map<RgbImage, Tensor> imageEmbeddings = new IdentityHashMap<>();

    public DemoChatModel(VisualChatModel model, ConversationEncoder encoder, ClipPreprocessor preprocessor) {
        this(model, encoder, preprocessor, model.decoder(), null);
    }

    private DemoChatModel(VisualChatModel model, ConversationEncoder encoder, ClipPreprocessor preprocessor, CausalLm languageModel,
                          UnaryOperator<Tensor> vision) {
        this.model = model;
        this.encoder = encoder;
        this.preprocessor = preprocessor;
        this.languageModel = languageModel;
        this.vision = vision;
    }

    public VisualChatModel model() { return model; }

    /**
     * The same chat model with its frozen parts run elsewhere: the language model by {@code lm} and the
     * image encoder by {@code vision} (null: the model's own encoder); see {@link VisualChatModel#generate}.
     */
    public DemoChatModel withFrozenParts(CausalLm lm, UnaryOperator<Tensor> vision) {
        return new DemoChatModel(model, encoder, preprocessor, lm, vision);
    }

    @Override
    public synchronized String answer(List<ChatTurn> history, List<RgbImage> images, String question, int newImages,
                                      GenerationOptions options, Consumer<String> stream) {
        int[] prompt = prompt(encoder, history, question, newImages, images.size() - newImages);
        LlamaTokenizer tokenizer = encoder.tokenizer();
        List<Integer> generated = new ArrayList<>();
        StringBuilder shown = new StringBuilder();
        if (cache == null) cache = new ConversationCache(languageModel, model.options().attention());
        model.generate(cache, prompt, embed(images), options.maxNewTokens(), options.sampler(), id -> {
            generated.add(id);
            String text = tokenizer.decode(generated.stream().mapToInt(Integer::intValue).toArray());
            // A piece can change how earlier bytes decode only at the very end; emit what is settled.
            if (text.startsWith(shown.toString()) && text.length() > shown.length()) {
                stream.accept(text.substring(shown.length()));
                shown.setLength(0);
                shown.append(text);
            }
        });
        return tokenizer.decode(generated.stream().mapToInt(Integer::intValue).toArray());
    }

    /** Positions the last answer's prefill took from the cache instead of running them (for tests and reports). */
    synchronized int reusedPositions() {
        return cache == null ? 0 : cache.reused();
    }

    /** The conversation's projected images [N, tokens, hidden] (null for none), encoding only those not seen before. */
    private Tensor embed(List<RgbImage> images) {
        if (images.isEmpty()) return null;
        Map<RgbImage, Tensor> kept = new IdentityHashMap<>();
        List<RgbImage> fresh = new ArrayList<>();
        for (RgbImage image : images) {
            Tensor known = imageEmbeddings.get(image);
            if (known != null) kept.put(image, known);
            else if (!kept.containsKey(image)) {
                kept.put(image, null);
                fresh.add(image);
            }
        }
        if (!fresh.isEmpty()) {
            Tensor projected = model.imageEmbeddings(vision, preprocessor.preprocessBatch(fresh));
            for (int i = 0; i < fresh.size(); i++) kept.put(fresh.get(i), projected.narrow(0, i, 1));
        }
        imageEmbeddings = kept;
        return Join.concat(0, images.stream().map(kept::get).toArray(Tensor[]::new));
    }

    /** History rendered as training samples, then this round's instruction (BOS, no answer, no EOS). */
    static int[] prompt(ConversationEncoder encoder, List<ChatTurn> history, String question, int newImages, int imagesBefore) {
        int[] past = history.isEmpty() ? new int[0]
                : encoder.encode(history.stream().map(t -> new Turn(t.question(), t.answer(), t.newImages())).toList(),
                        MarkerNumbering.TEXT_LEVEL).inputIds();
        int[] round = encoder.encodePrompt(question, newImages, history.isEmpty(), imagesBefore);
        int[] all = Arrays.copyOf(past, past.length + round.length);
        System.arraycopy(round, 0, all, past.length, round.length);
        return all;
    }
}
