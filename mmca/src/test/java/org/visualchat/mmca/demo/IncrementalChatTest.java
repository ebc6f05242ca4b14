package org.visualchat.mmca.demo;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.visualchat.llama.model.LlamaModel;
import org.visualchat.mmca.attention.MmcaMode;
import org.visualchat.mmca.chat.ChatSession;
import org.visualchat.mmca.chat.ChatTurn;
import org.visualchat.mmca.chat.GenerationOptions;
import org.visualchat.mmca.demo.world.Dialogue;
import org.visualchat.mmca.demo.world.DialogueGenerator;
import org.visualchat.mmca.demo.world.Round;
import org.visualchat.mmca.demo.world.Split;
import org.visualchat.tensor.DType;
import org.visualchat.vision.encoder.ClipVisionEncoder;
import org.visualchat.vision.image.RgbImage;

class IncrementalChatTest {
    /**
     * A multi-round, multi-image conversation answered by one chat model, which keeps its KV cache and image
     * embeddings between rounds and prefills only what is new, gets the answers of a full re-decode of the whole
     * conversation at every round (a fresh chat model per round), under each attention variant: what a chunk on
     * top of the cache sees must be what the one pass over the whole prompt sees (MMCA: an image token of a later
     * round sees only itself among the images, plus the earlier text). The history holds the model's own answers,
     * so generated tokens stay in the cache wherever they re-tokenize the same. Random weights, so the greedy
     * answers are arbitrary token strings: any difference in what a position sees shows up in them.
     */
    @Test
    void answersWithTheCachedConversationEqualAFullRedecodeEveryRound(@TempDir Path dir) throws IOException {
        List<Dialogue> dialogues = new DialogueGenerator(5, Split.TRAIN).next(80);
        DemoData data = new DemoData(DemoTokenizer.build(dir, DemoData.corpus(dialogues)));
        DemoConfig config = DemoConfig.reduced();
        ClipVisionEncoder vision = new ClipVisionEncoder(VisionPretraining.encoderConfig(config), 3);
        GenerationOptions options = new GenerationOptions(6, 0, 1, 0);
        // Three images, a later round that attaches one and a later round that attaches none.
        Dialogue d = dialogues.stream().filter(x -> x.scenes().size() == 3 && x.rounds().size() >= 4
                && x.rounds().subList(1, x.rounds().size()).stream().anyMatch(r -> !r.attached().isEmpty())
                && x.rounds().subList(1, x.rounds().size()).stream().anyMatch(r -> r.attached().isEmpty())).findFirst().orElseThrow();
        List<RgbImage> images = d.images(DemoData.RENDERER);
        for (MmcaMode mode : MmcaMode.values()) {
            LlamaModel lm = LlamaModel.random(LanguagePretraining.modelConfig(config, data.encoder().tokenizer().vocabSize()), 9, DType.F32);
            DemoChatModel kept = new DemoChatModel(MmcaTraining.model(config, vision, lm, data, mode), data.encoder(), DemoData.PREPROCESSOR);
            // Twice: the second time the cache is large enough from the start (it grows by re-running everything) and
            // starts out holding the whole first run, of which round 1 shares its prompt.
            for (int pass = 0; pass < 2; pass++) {
                ChatSession session = new ChatSession(kept);
                int shown = 0, answered = 0, previousPrompt = 0;
                for (int r = 0; r < d.rounds().size(); r++) {
                    Round round = d.rounds().get(r);
                    for (int image : round.attached()) session.attach(images.get(image - 1), "image " + image);
                    shown += round.attached().size();
                    List<ChatTurn> history = session.history();
                    String incremental = session.ask(round.question(), options, s -> {});
                    DemoChatModel fresh = new DemoChatModel(kept.model(), data.encoder(), DemoData.PREPROCESSOR);
                    String redecoded = fresh.answer(history, images.subList(0, shown), round.question(), round.attached().size(), options, s -> {});
                    String where = mode + ", pass " + (pass + 1) + ", round " + (r + 1);
                    assertEquals(redecoded, incremental, where);
                    if (!incremental.isBlank()) answered++;
                    int reused = kept.reusedPositions(), prompt = promptPositions(data, history, round, shown);
                    // Strict and causal keep at least every position of the earlier prompts (and the generated tokens
                    // wherever they re-tokenize the same); reference re-runs a round whose sequence gains or loses an
                    // image (the text before the first image averages over every later image, §2.5.1).
                    boolean imagesChange = r == 0 ? pass == 1 : !round.attached().isEmpty();
                    if (pass == 1 && mode == MmcaMode.REFERENCE && imagesChange) assertEquals(0, reused, where);
                    else if (pass == 1) assertTrue(reused >= (r == 0 ? prompt - 1 : previousPrompt), where + ": reused " + reused + " positions");
                    previousPrompt = prompt;
                }
                assertTrue(answered >= 2, mode + ": answers to compare");
            }
        }
    }

    /** Positions of a round's prompt once each image's marker token is replaced by its embeddings. */
    private static int promptPositions(DemoData data, List<ChatTurn> history, Round round, int shown) {
        int[] ids = DemoChatModel.prompt(data.encoder(), history, round.question(), round.attached().size(), shown - round.attached().size());
        return ids.length + shown * (VisualWords.TOKENS - 1);
    }
}
