package org.visualchat.vision.encoder;

import org.visualchat.autograd.Arith;
import org.visualchat.autograd.Variable;
import org.visualchat.nn.LayerNorm;
import org.visualchat.nn.Module;

/** QWen-VL's {@code VisualAttentionBlock}: x + attn(ln_1(x)), then h + mlp(ln_2(h)); LayerNorm eps 1e-6. */
final class QwenResblock extends Module {
    private final LayerNorm ln1;
    private final LayerNorm ln2;
    private final QwenVisualAttention attn;
    private final QwenMlp mlp;

    QwenResblock(QwenVisionConfig c, long seed) {
        this.ln1 = child("ln_1", new LayerNorm(c.width(), QwenVisionConfig.LN_EPS));
        this.ln2 = child("ln_2", new LayerNorm(c.width(), QwenVisionConfig.LN_EPS));
        this.attn = child("attn", new QwenVisualAttention(c.width(), c.heads(), seed));
        this.mlp = child("mlp", new QwenMlp(c.width(), c.mlpSize(), seed + 2));
    }

    Variable forward(Variable x) {
        Variable h = Arith.add(x, attn.forward(ln1.forward(x)));
        return Arith.add(h, mlp.forward(ln2.forward(h)));
    }
}
