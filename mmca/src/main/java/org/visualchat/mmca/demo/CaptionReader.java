package org.visualchat.mmca.demo;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.visualchat.autograd.NoGrad;
import org.visualchat.llama.generate.Sampler;
import org.visualchat.llama.model.LlamaModel;
import org.visualchat.mmca.attention.MmcaMode;
import org.visualchat.mmca.chat.ChatModel;
import org.visualchat.mmca.chat.ChatTurn;
import org.visualchat.mmca.chat.GenerationOptions;
import org.visualchat.mmca.demo.world.Scene;
import org.visualchat.mmca.model.ConversationCache;
import org.visualchat.tensor.Tensor;
import org.visualchat.vision.image.RgbImage;

/**
 * The pretrained language model alone, reading each image's perfect caption ({@link VisualWords}) instead
 * of looking at it: the ceiling stage 3 can reach with this frozen LLaMA, shown in the table as a diagnostic
 * (if the LM cannot answer from captions, no projection can make it answer from pixels). The caption
 * positions attend as image tokens do in the chosen attention variant, so the ceiling is that variant's: MMCA
 * lets an image token see only itself among the image tokens and gives text queries separate image and text
 * softmaxes (reference §2), which a causally pretrained LM has never met. One instance serves one
 * conversation, whose scenes it knows; image {@code i} of the chat is {@code scenes.get(i)}.
 */
final class CaptionReader implements ChatModel {
    private final LlamaModel lm;
    private final DemoData data;
    private final List<Scene> scenes;
    /** The conversation's KV cache: each round prefills only what the earlier rounds did not. */
    private final ConversationCache cache;

    CaptionReader(LlamaModel lm, DemoData data, List<Scene> scenes, MmcaMode mode) {
        this.lm = lm;
        this.data = data;
        this.scenes = scenes;
        this.cache = new ConversationCache(lm, mode);
    }

    @Override
    public String answer(List<ChatTurn> history, List<RgbImage> images, String question, int newImages,
                         GenerationOptions options, Consumer<String> stream) {
        DemoData.Captioned prompt = data.withCaptions(DemoChatModel.prompt(data.encoder(), history, question, newImages, images.size() - newImages), scenes.subList(0, images.size()));
        int eos = data.encoder().tokenizer().eosId();
        List<Integer> out = new ArrayList<>();
        try (NoGrad ignored = NoGrad.enter()) {
            Tensor logits = cache.prefill(CaptionEmbedding.embedTokens(lm, prompt.slots()), prompt.codes(), options.maxNewTokens());
            while (out.size() < options.maxNewTokens()) {
                int next = Sampler.argmax(logits.toFloatArray());
                if (next == eos) break;
                out.add(next);
                if (out.size() == options.maxNewTokens()) break;
                logits = cache.append(lm.embedTokens(Tensor.ofInts(new int[] {next}, 1, 1)));
            }
        }
        String text = data.encoder().tokenizer().decode(out.stream().mapToInt(Integer::intValue).toArray());
        stream.accept(text);
        return text;
    }
}
