package org.visualchat.vision.encoder;

import org.visualchat.autograd.Arith;
import org.visualchat.autograd.Variable;
import org.visualchat.nn.LayerNorm;
import org.visualchat.nn.Mlp;
import org.visualchat.nn.Module;
import org.visualchat.nn.MultiHeadAttention;

/**
 * One Hugging Face {@code CLIPEncoderLayer}: pre-LayerNorm residual blocks without a mask,
 * x + self_attn(layer_norm1(x)), then h + mlp(layer_norm2(h)); q/k/v/out projections with biases,
 * scores scaled by head_dim^−½, MLP fc1 → hidden_act → fc2. Parameter names are HF's
 * ({@code self_attn.q_proj.weight}, {@code layer_norm1.bias}, {@code mlp.fc1.weight}, ...).
 *
 * <p>Public because the reference's {@code vit} projection variant (§1.3.2) is one freshly initialised
 * CLIP encoder layer built from the encoder's {@link VisionEncoder#projectionConfig()}. A new layer has
 * PyTorch's default init (Linear: U(±1/√in), LayerNorm: ones/zeros), as a bare {@code CLIPEncoderLayer}
 * gets outside {@code from_pretrained}.
 */
public final class ClipEncoderLayer extends Module {
    private final MultiHeadAttention selfAttn;
    private final LayerNorm layerNorm1;
    private final Mlp mlp;
    private final LayerNorm layerNorm2;

    public ClipEncoderLayer(ClipVisionConfig config, long seed) {
        int d = config.hiddenSize();
        this.selfAttn = child("self_attn", new MultiHeadAttention(MultiHeadAttention.Config.clip(d, config.heads()), seed));
        this.layerNorm1 = child("layer_norm1", new LayerNorm(d, config.layerNormEps()));
        this.mlp = child("mlp", new Mlp(d, config.intermediateSize(), config.hiddenAct(), seed + 4));
        this.layerNorm2 = child("layer_norm2", new LayerNorm(d, config.layerNormEps()));
    }

    /** x [B, S, hidden] → [B, S, hidden]. */
    public Variable forward(Variable x) {
        Variable h = Arith.add(x, selfAttn.forward(layerNorm1.forward(x), null, PrescaledAttention.POLICY));
        return Arith.add(h, mlp.forward(layerNorm2.forward(h)));
    }
}
