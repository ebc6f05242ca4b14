package org.visualchat.mmca.demo;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.visualchat.autograd.NoGrad;
import org.visualchat.llama.model.LlamaModel;
import org.visualchat.mmca.attention.MmcaAttention;
import org.visualchat.mmca.attention.MmcaMode;
import org.visualchat.mmca.chat.ChatTurn;
import org.visualchat.mmca.chat.GenerationOptions;
import org.visualchat.mmca.demo.world.Dialogue;
import org.visualchat.mmca.demo.world.DialogueGenerator;
import org.visualchat.mmca.demo.world.Round;
import org.visualchat.mmca.demo.world.Split;
import org.visualchat.mmca.prompt.EncodedConversation;
import org.visualchat.nn.AttentionPolicy;
import org.visualchat.tensor.DType;
import org.visualchat.vision.image.RgbImage;

class CaptionReaderTest {
    /**
     * The eval path (KV cache kept across rounds, a prefill of what the captioned prompt adds, then one plain token
     * embedding per step)
     * generates what the training forward predicts: the argmax of a full forward over the captioned prompt and
     * the tokens so far, recomputed from scratch at every step. The demo's LM+captions column measured equal
     * teacher-forced and greedy accuracy (mmca/docs/demo.md); this keeps it so.
     */
    @Test
    void greedyAnswerIsTheArgmaxContinuationOfTheTrainingForward(@TempDir Path dir) throws IOException {
        List<Dialogue> dialogues = new DialogueGenerator(5, Split.TRAIN).next(60);
        DemoData data = new DemoData(DemoTokenizer.build(dir, DemoData.corpus(dialogues)));
        LlamaModel lm = LlamaModel.random(LanguagePretraining.modelConfig(DemoConfig.reduced(), data.encoder().tokenizer().vocabSize()), 9, DType.F32);
        GenerationOptions options = new GenerationOptions(4, 0, 1, 0);
        Dialogue d = dialogues.stream().filter(x -> x.scenes().size() == 3 && x.rounds().size() >= 3).findFirst().orElseThrow();
        for (MmcaMode mode : List.of(MmcaMode.CAUSAL, MmcaMode.STRICT)) {
            List<ChatTurn> history = new ArrayList<>();
            CaptionReader reader = new CaptionReader(lm, data, d.scenes(), mode);     // one conversation: its cache carries over
            int images = 0;
            for (Round round : d.rounds().subList(0, 3)) {
                images += round.attached().size();
                int[] prompt = DemoChatModel.prompt(data.encoder(), history, round.question(), round.attached().size(), images - round.attached().size());
                String expected = argmaxContinuation(lm, data, data.withCaptions(prompt, d.scenes().subList(0, images)), mode, options.maxNewTokens());
                String answer = reader.answer(history, Collections.nCopies(images, (RgbImage) null), round.question(), round.attached().size(), options, s -> {});
                assertFalse(expected.isBlank(), "an answer to compare");
                assertEquals(expected, answer, mode + ", round " + (history.size() + 1));
                history.add(new ChatTurn(round.question(), round.attached().size(), round.answer()));
            }
        }
    }

    private static String argmaxContinuation(LlamaModel lm, DemoData data, DemoData.Captioned prompt, MmcaMode mode, int maxNew) {
        int[][] slots = prompt.slots();
        int[] codes = prompt.codes();
        List<Integer> out = new ArrayList<>();
        try (NoGrad ignored = NoGrad.enter()) {
            while (out.size() < maxNew) {
                int length = codes.length;
                AttentionPolicy policy = mode == MmcaMode.CAUSAL ? AttentionPolicy.causal() : MmcaAttention.of(mode, new int[][] {codes});
                float[] logits = lm.forward(CaptionEmbedding.embed(lm, new int[][][] {slots}), LlamaModel.positions(0, length), policy).value().toFloatArray();
                int vocab = logits.length / length, next = 0;
                for (int v = 1; v < vocab; v++) if (logits[(length - 1) * vocab + v] > logits[(length - 1) * vocab + next]) next = v;
                if (next == data.encoder().tokenizer().eosId()) break;
                out.add(next);
                for (int k = 0; k < slots.length; k++) {
                    slots[k] = Arrays.copyOf(slots[k], length + 1);
                    slots[k][length] = k == 0 ? next : VisualWords.NONE;
                }
                codes = Arrays.copyOf(codes, length + 1);
                codes[length] = EncodedConversation.TEXT;
            }
        }
        return data.encoder().tokenizer().decode(out.stream().mapToInt(Integer::intValue).toArray());
    }
}
