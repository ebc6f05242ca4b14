package org.visualchat.mmca.demo;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.visualchat.autograd.NoGrad;
import org.visualchat.llama.generate.Sampler;
import org.visualchat.llama.model.KvCache;
import org.visualchat.llama.model.LlamaModel;
import org.visualchat.mmca.chat.ChatModel;
import org.visualchat.mmca.chat.ChatTurn;
import org.visualchat.mmca.chat.GenerationOptions;
import org.visualchat.mmca.demo.world.Scene;
import org.visualchat.tensor.DType;
import org.visualchat.tensor.Tensor;
import org.visualchat.vision.image.RgbImage;

/**
 * The pretrained language model alone, reading each image's perfect caption ({@link VisualWords}) instead
 * of looking at it: the ceiling stage 3 can reach with this frozen LLaMA, shown in the table as a diagnostic
 * (if the LM cannot answer from captions, no projection can make it answer from pixels). One instance
 * serves one conversation, whose scenes it knows; image {@code i} of the chat is {@code scenes.get(i)}.
 */
final class CaptionReader implements ChatModel {
    private final LlamaModel lm;
    private final DemoData data;
    private final List<Scene> scenes;

    CaptionReader(LlamaModel lm, DemoData data, List<Scene> scenes) {
        this.lm = lm;
        this.data = data;
        this.scenes = scenes;
    }

    @Override
    public String answer(List<ChatTurn> history, List<RgbImage> images, String question, int newImages,
                         GenerationOptions options, Consumer<String> stream) {
        int[] prompt = data.withCaptions(DemoChatModel.prompt(data.encoder(), history, question, newImages, images.size() - newImages),
                scenes.subList(0, images.size()));
        int eos = data.encoder().tokenizer().eosId();
        List<Integer> out = new ArrayList<>();
        try (NoGrad ignored = NoGrad.enter()) {
            KvCache cache = lm.newCache(1, prompt.length + options.maxNewTokens(), DType.F32);
            Tensor logits = lm.inferLast(lm.embedTokens(Tensor.ofInts(prompt, 1, prompt.length)), cache, null);
            while (out.size() < options.maxNewTokens()) {
                int next = Sampler.argmax(logits.toFloatArray());
                if (next == eos) break;
                out.add(next);
                if (out.size() == options.maxNewTokens()) break;
                logits = lm.inferLast(lm.embedTokens(Tensor.ofInts(new int[] {next}, 1, 1)), cache, null);
            }
        }
        String text = data.encoder().tokenizer().decode(out.stream().mapToInt(Integer::intValue).toArray());
        stream.accept(text);
        return text;
    }
}
