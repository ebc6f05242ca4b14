package org.visualchat.nn;

import org.visualchat.autograd.Arith;
import org.visualchat.autograd.Variable;
import org.visualchat.autograd.Views;
import org.visualchat.tensor.Tensor;

/**
 * A small LLaMA-shaped decoder for tests and the training benchmark, with Hugging Face names
 * ({@code model.embed_tokens}, {@code model.layers.N.self_attn.q_proj}, {@code lm_head}, ...).
 */
final class TinyLm extends Module {
    static final class Block extends Module {
        final RmsNorm inputNorm;
        final MultiHeadAttention attention;
        final Dropout dropout;
        final RmsNorm postNorm;
        final SwiGluMlp mlp;

        Block(int dim, int heads, int kvHeads, int hidden, float dropoutP, long seed) {
            inputNorm = child("input_layernorm", new RmsNorm(dim, 1e-5f));
            attention = child("self_attn", new MultiHeadAttention(MultiHeadAttention.Config.llama(dim, heads, kvHeads, 10000f), seed));
            dropout = child("dropout", new Dropout(dropoutP, seed + 7));
            postNorm = child("post_attention_layernorm", new RmsNorm(dim, 1e-5f));
            mlp = child("mlp", new SwiGluMlp(dim, hidden, seed + 11));
        }

        Variable forward(Variable x, Tensor positions) {
            Variable h = Arith.add(x, dropout.forward(attention.forward(inputNorm.forward(x), positions)));
            return Arith.add(h, mlp.forward(postNorm.forward(h)));
        }
    }

    static final class Decoder extends Module {
        final Embedding embed;
        final ModuleList<Block> layers;
        final RmsNorm norm;

        Decoder(int vocab, int dim, int layerCount, int heads, int kvHeads, int hidden, float dropoutP, long seed) {
            embed = child("embed_tokens", new Embedding(vocab, dim, seed));
            layers = child("layers", new ModuleList<>(layerCount, i -> new Block(dim, heads, kvHeads, hidden, dropoutP, seed + 100L * (i + 1))));
            norm = child("norm", new RmsNorm(dim, 1e-5f));
        }
    }

    final Decoder model;
    final Linear lmHead;
    boolean checkpointing;

    TinyLm(int vocab, int dim, int layerCount, int heads, int kvHeads, int hidden, float dropoutP, long seed) {
        model = child("model", new Decoder(vocab, dim, layerCount, heads, kvHeads, hidden, dropoutP, seed));
        lmHead = child("lm_head", new Linear(dim, vocab, false, seed + 1));
    }

    /** ids [B, S] → logits [B·S, vocab]. */
    Variable logits(Tensor ids) {
        int b = ids.dim(0), s = ids.dim(1);
        int[] pos = new int[s];
        for (int i = 0; i < s; i++) pos[i] = i;
        Tensor positions = Tensor.ofInts(pos, s);
        // Embedding rows are N(0, 1); scaled down so the residual stream starts small relative to the blocks' outputs.
        Variable h = Arith.mul(model.embed.forward(ids), 0.1f);
        for (Block block : model.layers.items()) {
            h = checkpointing ? Checkpointing.run(block, h, in -> block.forward(in, positions)) : block.forward(h, positions);
        }
        return Views.reshape(lmHead.forward(model.norm.forward(h)), b * s, -1);
    }
}
