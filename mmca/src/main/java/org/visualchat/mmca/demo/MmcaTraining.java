package org.visualchat.mmca.demo;

import org.visualchat.mmca.train.ProgressBar;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.visualchat.autograd.Arith;
import org.visualchat.autograd.ShardedBackward;
import org.visualchat.autograd.ShardedBackward.Shard;
import org.visualchat.autograd.Variable;
import org.visualchat.llama.model.LlamaModel;
import org.visualchat.mmca.attention.MmcaMode;
import org.visualchat.mmca.demo.world.Dialogue;
import org.visualchat.mmca.model.BaselineProjection;
import org.visualchat.mmca.model.ModelInput;
import org.visualchat.mmca.model.ShiftedLoss;
import org.visualchat.mmca.model.VisualChatModel;
import org.visualchat.mmca.model.VisualChatOptions;
import org.visualchat.vision.encoder.ClipVisionEncoder;

/**
 * Stage 4, DeepSpeed-VisualChat proper: vision encoder and language model frozen, the baseline projection
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
                t -> shards(model, data, batch(config, train, t), config.trainShards()));
    }

    /**
     * One step's loss, the reference's token mean over the batch ({@link ShiftedLoss}), as {@code shards} losses
     * that add up to it ({@link ShardedBackward}): runs of consecutive conversations, each padded to its own longest, each one's token
     * mean weighed by its share of the batch's supervised tokens.
     */
    static List<Shard> shards(VisualChatModel model, DemoData data, List<Dialogue> batch, int shards) {
        List<ModelInput> inputs = new ArrayList<>();
        for (int s = 0; s < shards; s++) {
            List<Dialogue> rows = batch.subList(s * batch.size() / shards, (s + 1) * batch.size() / shards);
            if (!rows.isEmpty()) inputs.add(data.modelInput(rows));
        }
        int[] tokens = inputs.stream().mapToInt(input -> ShiftedLoss.supervisedTokens(input.labels())).toArray();
        float total = Math.max(Arrays.stream(tokens).sum(), 1);
        List<Shard> out = new ArrayList<>();
        for (int s = 0; s < inputs.size(); s++) {
            ModelInput input = inputs.get(s);
            float share = tokens[s] / total;
            // the LLaMA's work; the encoder's, 5 positions an image in 2 layers, is small beside it
            long work = LanguagePretraining.work(model.decoder(), input.ids().length, input.ids()[0].length);
            out.add(new Shard(work, () -> Arith.mul(model.loss(input, false), share)));
        }
        return out;
    }

    /** Step {@code t}'s conversations: the next {@code mmcaBatch} of the training set, cycling through it. */
    static List<Dialogue> batch(DemoConfig config, List<Dialogue> train, int t) {
        int from = t * config.mmcaBatch();
        List<Dialogue> batch = new ArrayList<>();
        for (int i = 0; i < config.mmcaBatch(); i++) batch.add(train.get((from + i) % train.size()));
        return batch;
    }
}
