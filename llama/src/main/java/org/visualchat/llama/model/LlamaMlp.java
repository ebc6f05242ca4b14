package org.visualchat.llama.model;

import org.visualchat.autograd.Activations;
import org.visualchat.autograd.Arith;
import org.visualchat.autograd.Variable;
import org.visualchat.nn.Linear;
import org.visualchat.nn.Module;
import org.visualchat.tensor.Tensor;
import org.visualchat.tensor.ops.Elementwise;
import org.visualchat.tensor.ops.MatMul;
import org.visualchat.tensor.ops.Unary;

/** {@code mlp}: SwiGLU, down(silu(gate(x))·up(x)), no biases. */
public final class LlamaMlp extends Module {
    private final Linear gate;
    private final Linear up;
    private final Linear down;

    LlamaMlp(LlamaConfig config, String prefix, Weights weights) {
        int d = config.hiddenSize(), f = config.intermediateSize();
        this.gate = child("gate_proj", LlamaModel.projection(weights, prefix + "gate_proj.weight", f, d));
        this.up = child("up_proj", LlamaModel.projection(weights, prefix + "up_proj.weight", f, d));
        this.down = child("down_proj", LlamaModel.projection(weights, prefix + "down_proj.weight", d, f));
    }

    /** Training path. */
    public Variable forward(Variable x) {
        return down.forward(Arith.mul(Activations.silu(gate.forward(x)), up.forward(x)));
    }

    /** Inference path: one row goes through the fused gate/up matvec, several rows through the GEMM. */
    Tensor infer(Tensor x) {
        int[] shape = x.shape();
        Tensor hidden;
        if (x.numel() == x.dim(-1)) {
            shape[shape.length - 1] = gate.outFeatures();
            hidden = Tensor.of(FusedMatVec.swiGlu(x.toFloatArray(), gate.inferenceWeight(), up.inferenceWeight()), shape);
        } else {
            hidden = Elementwise.mul(Unary.silu(MatMul.linear(x, gate.inferenceWeight())), MatMul.linear(x, up.inferenceWeight()));
        }
        return MatMul.linear(hidden, down.inferenceWeight());
    }
}
