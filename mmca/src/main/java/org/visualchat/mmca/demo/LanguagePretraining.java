package org.visualchat.mmca.demo;

import org.visualchat.mmca.train.ProgressBar;

import java.util.ArrayList;
import java.util.List;
import org.visualchat.autograd.Variable;
import org.visualchat.llama.model.LlamaConfig;
import org.visualchat.llama.model.LlamaModel;
import org.visualchat.mmca.demo.world.Dialogue;
import org.visualchat.mmca.model.ShiftedLoss;
import org.visualchat.nn.NamePattern;
import org.visualchat.tensor.DType;
import org.visualchat.tensor.Tensor;

/**
 * Stage 2: pretrains the demo's LLaMA (HF {@code LlamaForCausalLM} layout, plain causal attention) on the
 * conversations as text, each image written out as its caption ({@link VisualWords}), loss on the answers.
 * The model thereby learns the world's language and its reasoning (counting, comparing, recalling) over
 * words, as LLaMA-2 learned language from text before DeepSpeed-VisualChat froze it.
 */
final class LanguagePretraining {
    private LanguagePretraining() {}

    static LlamaConfig modelConfig(DemoConfig config, int vocabSize) {
        int hidden = config.lmHidden();
        return LlamaConfig.of(hidden, 8 * hidden / 3 / 16 * 16, config.lmLayers(), config.lmHeads(), config.lmHeads(), vocabSize);
    }

    /** Trains a fresh model on {@code train}; returns it frozen. */
    static LlamaModel train(DemoConfig config, DemoData data, List<Dialogue> train, ProgressBar bar) {
        LlamaModel model = LlamaModel.random(modelConfig(config, data.encoder().tokenizer().vocabSize()), config.seed() + 10, DType.F32);
        model.unfreeze(NamePattern.glob("**"));
        TrainLoop.run(model.trainableParameters(), config.lmLr(), config.lmSteps(), bar, t -> {
            List<int[][]> rows = new ArrayList<>();
            for (int i = 0; i < config.lmBatch(); i++) rows.add(data.captioned(train.get((t * config.lmBatch() + i) % train.size())));
            int[][][] padded = data.pad(rows);
            int b = padded[0].length, l = padded[0][0].length;
            int[] flat = new int[b * l];
            for (int r = 0; r < b; r++) System.arraycopy(padded[0][r], 0, flat, r * l, l);
            Variable logits = model.forward(model.embed(Tensor.ofInts(flat, b, l)));
            return ShiftedLoss.crossEntropy(logits, padded[1]);
        });
        model.freeze(NamePattern.glob("**"));
        return model;
    }
}
