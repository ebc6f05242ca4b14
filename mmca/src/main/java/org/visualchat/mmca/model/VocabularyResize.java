package org.visualchat.mmca.model;

import org.visualchat.autograd.Variable;
import org.visualchat.llama.model.LlamaConfig;
import org.visualchat.llama.model.LlamaModel;
import org.visualchat.llama.model.Weights;
import org.visualchat.tensor.Tensor;
import org.visualchat.tensor.ops.Join;

import java.util.Map;

/**
 * HF {@code resize_token_embeddings(len(tokenizer))} for the added {@code ### Image:}, {@code <image>},
 * {@code <PAD>} tokens (reference §1.6): the decoder's input table and LM head grow to V rows, the
 * old rows kept, the new rows drawn N(0, 0.02) (HF's {@code _init_weights}, initializer_range 0.02).
 * The new LM-head rows stay frozen and random, as in the original.
 */
public final class VocabularyResize {
    private VocabularyResize() {}

    static final float INITIALIZER_RANGE = 0.02f;

    /**
     * The decoder with {@code vocab} rows (itself when it already has that many). A table padded past the
     * tokenizer (which {@code LoadedModel.tokenizer} allows) is cut to its first {@code vocab} rows, as HF's
     * resize does when shrinking: the added tokens then take the first padding rows.
     */
    public static LlamaModel resize(LlamaModel model, int vocab, long seed) {
        LlamaConfig c = model.config();
        if (c.vocabSize() == vocab) return model;
        LlamaConfig resized = new LlamaConfig(c.hiddenSize(), c.intermediateSize(), c.layers(), c.heads(), c.kvHeads(), c.rmsNormEps(),
                c.ropeTheta(), vocab, c.maxPositions(), c.tieWordEmbeddings());
        Map<String, Variable> params = model.namedParameters();
        Weights weights = (name, shape) -> {
            Tensor t = params.get(name).value();
            if (!name.equals("model.embed_tokens.weight") && !name.equals("lm_head.weight")) return t;
            if (vocab < c.vocabSize()) return t.narrow(0, 0, vocab);
            if (t.dtype().isQuantized()) throw new IllegalArgumentException(name + " is " + t.dtype() + ": a quantized table cannot be resized for the added tokens; use F32/BF16/F16 weights");
            Tensor extra = Tensor.randn(seed + name.hashCode(), INITIALIZER_RANGE, vocab - c.vocabSize(), c.hiddenSize());
            return Join.concat(0, t, extra).to(t.dtype());
        };
        return new LlamaModel(resized, model.ropeLayout(), weights);
    }
}
