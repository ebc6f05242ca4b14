package org.visualchat.llama.model;

import org.visualchat.autograd.NoGrad;
import org.visualchat.autograd.Positional;
import org.visualchat.autograd.Variable;
import org.visualchat.autograd.Views;
import org.visualchat.nn.AttentionPolicy;
import org.visualchat.nn.Linear;
import org.visualchat.nn.Module;
import org.visualchat.tensor.Tensor;
import org.visualchat.tensor.ops.MatMul;
import org.visualchat.tensor.ops.Rope;

/**
 * {@code self_attn}: q/k/v/o projections (no biases), RoPE on q and k, grouped KV heads, and an
 * {@link AttentionPolicy} deciding which keys each query mixes (causal unless told otherwise).
 */
public final class LlamaAttention extends Module {
    private final LlamaConfig config;
    private final Rope.Layout ropeLayout;
    private final Linear q;
    private final Linear k;
    private final Linear v;
    private final Linear o;

    LlamaAttention(LlamaConfig config, Rope.Layout ropeLayout, String prefix, Weights weights) {
        this.config = config;
        this.ropeLayout = ropeLayout;
        int d = config.hiddenSize(), kv = config.kvDim();
        this.q = child("q_proj", LlamaModel.projection(weights, prefix + "q_proj.weight", d, d));
        this.k = child("k_proj", LlamaModel.projection(weights, prefix + "k_proj.weight", kv, d));
        this.v = child("v_proj", LlamaModel.projection(weights, prefix + "v_proj.weight", kv, d));
        this.o = child("o_proj", LlamaModel.projection(weights, prefix + "o_proj.weight", d, d));
    }

    /** Training path: x [B, S, d], positions I32 [S] or [B, S] → [B, S, d]. */
    public Variable forward(Variable x, Tensor positions, AttentionPolicy policy) {
        int b = x.dim(0), s = x.dim(1);
        Variable qh = Positional.rope(heads(q.forward(x), b, s, config.heads()), positions, config.ropeTheta(), ropeLayout);
        Variable kh = Positional.rope(heads(k.forward(x), b, s, config.kvHeads()), positions, config.ropeTheta(), ropeLayout);
        Variable vh = heads(v.forward(x), b, s, config.kvHeads());
        Variable out = policy.attend(qh, kh, vh);                                   // [B, H, S, D]
        return o.forward(Views.reshape(Views.transpose(out, 1, 2), b, s, config.hiddenSize()));
    }

    private Variable heads(Variable x, int b, int s, int n) {
        return Views.transpose(Views.reshape(x, b, s, n, config.headDim()), 1, 2);
    }

    /**
     * Inference path: h [B, S, d] F32 at absolute positions [cache.length(), + S); writes this layer's
     * k, v into the cache and attends over all cached positions. {@code policy} null = causal fast path.
     */
    Tensor infer(Tensor h, Tensor positions, KvCache cache, int layer, AttentionPolicy policy) {
        int b = h.dim(0), s = h.dim(1);
        Tensor qf, kf, vf;
        if (b * s == 1) {
            float[][] qkv = FusedMatVec.multiply(h.toFloatArray(), q.inferenceWeight(), k.inferenceWeight(), v.inferenceWeight());
            qf = Tensor.of(qkv[0], 1, 1, config.hiddenSize());
            kf = Tensor.of(qkv[1], 1, 1, config.kvDim());
            vf = Tensor.of(qkv[2], 1, 1, config.kvDim());
        } else {
            qf = MatMul.linear(h, q.inferenceWeight());
            kf = MatMul.linear(h, k.inferenceWeight());
            vf = MatMul.linear(h, v.inferenceWeight());
        }
        return MatMul.linear(attendCached(qf, kf, vf, positions, cache, layer, policy), o.inferenceWeight());
    }

    /**
     * Decode step of B independent sequences, h [B, 1, d] F32, row i the next position of the sequence
     * cached in {@code caches[i]} (each with its own length and attention policy): each projection streams its
     * weights once for all B rows ({@link FusedMatVec}, the same dot products as one row alone), attention runs
     * per sequence over its own cache.
     */
    Tensor inferEach(Tensor h, KvCache[] caches, int layer, AttentionPolicy[] policies) {
        int b = h.dim(0), d = config.hiddenSize(), kv = config.kvDim();
        float[][][] qkv = FusedMatVec.multiply(FusedMatVec.rows(h), q.inferenceWeight(), k.inferenceWeight(), v.inferenceWeight());
        float[][] mixed = new float[b][];
        for (int i = 0; i < b; i++) {
            mixed[i] = attendCached(Tensor.of(qkv[0][i], 1, 1, d), Tensor.of(qkv[1][i], 1, 1, kv), Tensor.of(qkv[2][i], 1, 1, kv),
                    LlamaModel.positions(caches[i].length(), 1), caches[i], layer, policies[i]).toFloatArray();
        }
        return FusedMatVec.tensor(FusedMatVec.multiply(mixed, o.inferenceWeight())[0], b, 1, d);
    }

    /**
     * q, k, v projections [B, S, ·] → RoPE, k/v appended to the cache, attention over all cached positions
     * → [B, S, d], before the output projection.
     */
    private Tensor attendCached(Tensor qf, Tensor kf, Tensor vf, Tensor positions, KvCache cache, int layer, AttentionPolicy policy) {
        int b = qf.dim(0), s = qf.dim(1), hd = config.headDim();
        Tensor qh = Rope.rope(qf.reshape(b, s, config.heads(), hd).transpose(1, 2), positions, config.ropeTheta(), ropeLayout);
        Tensor kh = Rope.rope(kf.reshape(b, s, config.kvHeads(), hd).transpose(1, 2), positions, config.ropeTheta(), ropeLayout);
        cache.write(layer, kh, vf.reshape(b, s, config.kvHeads(), hd).transpose(1, 2));
        int t = cache.length() + s;
        Tensor keys = cache.keys(layer, t), values = cache.values(layer, t);
        Tensor out;
        if (policy == null) {
            out = CausalAttention.attend(qh, keys, values);
        } else {
            try (NoGrad ignored = NoGrad.enter()) {
                out = policy.attend(Variable.of(qh), Variable.of(keys), Variable.of(values)).value();
            }
        }
        return out.transpose(1, 2).reshape(b, s, config.hiddenSize());
    }
}
