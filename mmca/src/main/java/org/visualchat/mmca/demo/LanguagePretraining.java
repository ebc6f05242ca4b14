package org.visualchat.mmca.demo;

import org.visualchat.mmca.train.ProgressBar;

import java.util.ArrayList;
import java.util.List;
import org.visualchat.autograd.ShardedBackward;
import org.visualchat.autograd.ShardedBackward.Shard;
import org.visualchat.autograd.Variable;
import org.visualchat.llama.model.LlamaConfig;
import org.visualchat.llama.model.LlamaModel;
import org.visualchat.mmca.attention.MmcaAttention;
import org.visualchat.mmca.attention.MmcaMode;
import org.visualchat.mmca.demo.world.Dialogue;
import org.visualchat.mmca.demo.world.DialogueGenerator;
import org.visualchat.mmca.demo.world.Split;
import org.visualchat.mmca.prompt.EncodedConversation;
import org.visualchat.nn.NamePattern;
import org.visualchat.tensor.DType;
import org.visualchat.tensor.Tensor;

/**
 * Stage 3: pretrains the demo's LLaMA (HF {@code LlamaForCausalLM} layout, plain causal attention) on the
 * conversations as text, each image written out as its caption ({@link VisualWords}: one bag of words per encoder
 * token, {@link CaptionEmbedding}), loss on the answers, each answer weighing the same ({@link AnswerWeightedLoss}).
 * The model thereby learns the world's language and its reasoning (counting, comparing, recalling) over
 * words, as LLaMA-2 learned language from text before DeepSpeed-VisualChat froze it. Every batch is new
 * conversations from the seeded world: the 2-layer model memorised a fixed set of 1,500 (59 % of its own
 * training conversations right, 41 % of held-out ones, at 1,500 steps), and an unbounded stream leaves it
 * nothing to memorise, at the same cost per step.
 *
 * <p>Attention: every other row of a batch reads its captions as text under plain causal attention, the
 * others as image tokens under MMCA ({@code strict}: an image token sees only itself among the images, text
 * queries get separate image and text softmaxes; reference §2). Stage 4 then trains the projection under
 * either attention over this one frozen model, so the paper's ablation compares the attention variants, not
 * a model that has met one of them against a model that has not. (A strict row whose captions are coded as
 * text is exactly causal attention: the image branch has no key and adds nothing.)
 */
final class LanguagePretraining {
    private LanguagePretraining() {}

    static LlamaConfig modelConfig(DemoConfig config, int vocabSize) {
        int hidden = config.lmHidden();
        return LlamaConfig.of(hidden, 8 * hidden / 3 / 16 * 16, config.lmLayers(), config.lmHeads(), config.lmHeads(), vocabSize)
                .withRopeTheta((float) config.lmRopeTheta());
    }

    /**
     * Trains a fresh model on {@code config.lmSteps() × config.lmBatch()} conversations drawn in order from the
     * training stream ({@link DemoData#stream}; training scenes only), each seen once; returns it frozen.
     */
    static LlamaModel train(DemoConfig config, DemoData data, ProgressBar bar) {
        LlamaModel model = LlamaModel.random(modelConfig(config, data.encoder().tokenizer().vocabSize()), config.seed() + 10, DType.F32);
        model.unfreeze(NamePattern.glob("**"));
        DialogueGenerator stream = DemoData.stream(config, Split.TRAIN);
        TrainLoop.run(model.trainableParameters(), config.lmLr(), config.lmSteps(), bar,
                t -> shards(model, data, stream.next(config.lmBatch()), config.trainShards()));
        model.freeze(NamePattern.glob("**"));
        return model;
    }

    /**
     * One step's loss as {@code shards} losses that add up to it ({@link ShardedBackward}). Row r of the batch
     * reads its captions as image tokens under MMCA strict when r is even, as text under causal attention when r
     * is odd. With two shards or more the even rows and the odd rows go to shards of their own (runs of
     * consecutive rows, each padded to its own longest), so a causal shard runs the attention kernel's causal
     * mode, one softmax instead of strict's two (the same function on captions coded as text).
     */
    static List<Shard> shards(LlamaModel model, DemoData data, List<Dialogue> batch, int shards) {
        List<DemoData.CaptionedRow> rows = new ArrayList<>();
        for (Dialogue d : batch) rows.add(data.captioned(d));
        int answers = AnswerWeightedLoss.answers(rows.stream().map(DemoData.CaptionedRow::labels).toArray(int[][]::new));
        List<Shard> out = new ArrayList<>();
        if (shards == 1) {
            out.add(Shard.of(() -> loss(model, data, rows, 0, 1, answers)));
            return out;
        }
        int strictShards = (shards + 1) / 2;
        addRuns(out, model, data, rows, 0, strictShards, answers);
        addRuns(out, model, data, rows, 1, shards - strictShards, answers);
        return out;
    }

    /**
     * Rows first, first + 2, … in {@code count} shards, ordered by length first (a stable sort), so each shard's rows
     * are of similar length and pad less: 4.5 % fewer positions and 7.6 % less attention work (∝ T²) at the full size
     * than shards of consecutive rows. The step's loss and gradient are the same sum of row terms either way.
     */
    private static void addRuns(List<Shard> out, LlamaModel model, DemoData data, List<DemoData.CaptionedRow> rows, int first, int count, int answers) {
        List<DemoData.CaptionedRow> kind = new ArrayList<>();
        for (int r = first; r < rows.size(); r += 2) kind.add(rows.get(r));
        kind.sort(java.util.Comparator.comparingInt(row -> row.codes().length));
        for (int s = 0; s < count; s++) {
            List<DemoData.CaptionedRow> run = kind.subList(s * kind.size() / count, (s + 1) * kind.size() / count);
            if (!run.isEmpty()) out.add(new Shard(work(model, run.size(), run.getLast().codes().length), () -> loss(model, data, run, first, 2, answers)));
        }
    }

    /** A shard's cost: {@code rows} padded to {@code positions}, the forward's multiply-adds. */
    static long work(LlamaModel model, int rows, int positions) {
        return rows * model.config().forwardMultiplyAdds(positions);
    }

    /**
     * The loss share, out of a batch of {@code batchAnswers} answers, of {@code rows}; row r is causal when
     * firstRow + r·stride is odd, the parity of its batch index (a shard's rows share one parity; unsharded, the
     * rows are the batch in order, stride 1).
     */
    private static Variable loss(LlamaModel model, DemoData data, List<DemoData.CaptionedRow> rows, int firstRow, int stride, int batchAnswers) {
        List<DemoData.CaptionedRow> padded = data.pad(rows);
        Variable embeds = CaptionEmbedding.embed(model, padded.stream().map(DemoData.CaptionedRow::slots).toArray(int[][][]::new));
        int[][] codes = new int[padded.size()][];
        boolean allCausal = true;
        for (int r = 0; r < codes.length; r++) {
            codes[r] = padded.get(r).codes().clone();
            boolean causal = (firstRow + r * stride) % 2 == 1;
            allCausal &= causal;
            if (causal) for (int p = 0; p < codes[r].length; p++) if (codes[r][p] == EncodedConversation.IMAGE) codes[r][p] = EncodedConversation.TEXT;
        }
        MmcaAttention attention = MmcaAttention.of(allCausal ? MmcaMode.CAUSAL : MmcaMode.STRICT, codes);
        Tensor positions = LlamaModel.positions(0, codes[0].length);
        return AnswerWeightedLoss.ofRows(kept -> model.hiddenAt(embeds, positions, attention, kept), model.lmHead()::forward,
                padded.stream().map(DemoData.CaptionedRow::labels).toArray(int[][]::new), batchAnswers);
    }
}
