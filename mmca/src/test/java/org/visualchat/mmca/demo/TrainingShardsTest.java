package org.visualchat.mmca.demo;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.visualchat.autograd.ShardedBackward;
import org.visualchat.autograd.ShardedBackward.Shard;
import org.visualchat.autograd.Variable;
import org.visualchat.llama.model.LlamaModel;
import org.visualchat.mmca.attention.MmcaMode;
import org.visualchat.mmca.demo.world.Dialogue;
import org.visualchat.mmca.demo.world.DialogueGenerator;
import org.visualchat.mmca.demo.world.Split;
import org.visualchat.mmca.model.VisualChatModel;
import org.visualchat.nn.NamePattern;
import org.visualchat.tensor.DType;
import org.visualchat.vision.encoder.ClipVisionEncoder;

/**
 * A demo training step split into shards ({@code trainShards}) computes the batch's loss and gradients: the
 * shards' losses add up to the one-shard loss, their gradients to its gradients, for the LLaMA pretraining
 * (answer-weighted loss, rows alternating MMCA strict and causal) and the MMCA stage (token-mean loss).
 */
class TrainingShardsTest {
    private static final DemoConfig CONFIG = DemoConfig.smoke();

    @Test
    void languagePretrainingShardsAddUpToTheBatch(@TempDir Path dir) throws IOException {
        List<Dialogue> batch = new DialogueGenerator(3, Split.TRAIN).next(7);       // 7 rows: shards of 1, 2, 2, 2
        DemoData data = new DemoData(DemoTokenizer.build(dir, DemoData.corpus(batch)));
        LlamaModel lm = LlamaModel.random(LanguagePretraining.modelConfig(CONFIG, data.encoder().tokenizer().vocabSize()), 4, DType.F32);
        lm.unfreeze(NamePattern.glob("**"));
        assertSameStep(lm.trainableParameters(), LanguagePretraining.shards(lm, data, batch, 1), LanguagePretraining.shards(lm, data, batch, 4), 4);
    }

    @Test
    void mmcaShardsAddUpToTheBatch(@TempDir Path dir) throws IOException {
        List<Dialogue> batch = new DialogueGenerator(8, Split.TRAIN).next(5);
        DemoData data = new DemoData(DemoTokenizer.build(dir, DemoData.corpus(batch)));
        LlamaModel lm = LlamaModel.random(LanguagePretraining.modelConfig(CONFIG, data.encoder().tokenizer().vocabSize()), 4, DType.F32);
        ClipVisionEncoder encoder = new ClipVisionEncoder(VisionPretraining.encoderConfig(CONFIG), 5);
        VisualChatModel model = MmcaTraining.model(CONFIG, encoder, lm, data, MmcaMode.STRICT);
        assertSameStep(model.trainableParameters(), MmcaTraining.shards(model, data, batch, 1), MmcaTraining.shards(model, data, batch, 2), 2);
    }

    private static void assertSameStep(Map<String, Variable> params, List<Shard> whole, List<Shard> sharded, int shards) {
        assertEquals(1, whole.size());
        assertEquals(shards, sharded.size());
        double wholeLoss = ShardedBackward.run(whole);
        Map<String, float[]> wholeGrads = grads(params);
        double shardedLoss = ShardedBackward.run(sharded);
        Map<String, float[]> shardedGrads = grads(params);
        assertEquals(wholeLoss, shardedLoss, 1e-5 * wholeLoss);
        assertFalse(wholeGrads.isEmpty());
        wholeGrads.forEach((name, g) -> {
            float[] h = shardedGrads.get(name);
            double scale = 0;
            for (float v : g) scale = Math.max(scale, Math.abs(v));
            assertTrue(scale > 0, name + " has a gradient");
            for (int i = 0; i < g.length; i++) assertEquals(g[i], h[i], 1e-4 * scale, name + "[" + i + "]");
        });
    }

    /** The parameters' gradients, then cleared. */
    private static Map<String, float[]> grads(Map<String, Variable> params) {
        Map<String, float[]> out = new java.util.LinkedHashMap<>();
        params.forEach((name, p) -> {
            if (p.grad() != null) out.put(name, p.grad().toFloatArray());
            p.zeroGrad();
        });
        return out;
    }
}
