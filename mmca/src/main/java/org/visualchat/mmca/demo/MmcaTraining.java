package org.visualchat.mmca.demo;

import org.visualchat.mmca.train.ProgressBar;

import java.util.ArrayList;
import java.util.List;
import org.visualchat.llama.model.LlamaModel;
import org.visualchat.mmca.attention.MmcaMode;
import org.visualchat.mmca.demo.world.Dialogue;
import org.visualchat.mmca.model.BaselineProjection;
import org.visualchat.mmca.model.VisualChatModel;
import org.visualchat.mmca.model.VisualChatOptions;
import org.visualchat.vision.encoder.ClipVisionEncoder;

/**
 * Stage 3, DeepSpeed-VisualChat proper: vision encoder and language model frozen, the baseline projection
 * (Linear + LayerNorm) and the copy of the token embeddings trained on the image conversations, with the
 * chosen attention ({@code strict} / {@code reference} MMCA or plain {@code causal}, the paper's ablation).
 */
final class MmcaTraining {
    private MmcaTraining() {}

    /** A model over frozen {@code encoder} and {@code decoder} (whose weights must already be loaded: the embedding copy is taken now). */
    static VisualChatModel model(DemoConfig config, ClipVisionEncoder encoder, LlamaModel decoder, DemoData data, MmcaMode mode) {
        int eos = data.encoder().tokenizer().eosId();
        VisualChatOptions options = VisualChatOptions.defaults().withTokens(data.encoder().imageTokenId(), eos, eos).withAttention(mode);
        return new VisualChatModel(encoder, decoder, new BaselineProjection(config.vitHidden(), config.lmHidden(), config.seed() + 20), options);
    }

    static void train(DemoConfig config, VisualChatModel model, DemoData data, List<Dialogue> train, ProgressBar bar) {
        TrainLoop.run(model.trainableParameters(), config.mmcaLr(), config.mmcaSteps(), bar,
                t -> model.loss(data.modelInput(batch(config, train, t)), false));
    }

    /** Step {@code t}'s conversations: the next {@code mmcaBatch} of the training set, cycling through it. */
    static List<Dialogue> batch(DemoConfig config, List<Dialogue> train, int t) {
        int from = t * config.mmcaBatch();
        List<Dialogue> batch = new ArrayList<>();
        for (int i = 0; i < config.mmcaBatch(); i++) batch.add(train.get((from + i) % train.size()));
        return batch;
    }
}
