package org.visualchat.llama.model;

import org.visualchat.autograd.Activations;
import org.visualchat.autograd.Arith;
import org.visualchat.autograd.Variable;
import org.visualchat.nn.Linear;
import org.visualchat.nn.Module;
import org.visualchat.tensor.Tensor;
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

    /**
     * Inference path: a few rows (a decode step, of one sequence or several) go through the fused row-streaming
     * products, more rows (a prefill) through the GEMM.
     */
    Tensor infer(Tensor x) {
        return infer(x, x.numel() / x.dim(-1) <= FusedMatVec.MAX_ROWS);
    }

    /** As {@link #infer(Tensor)}, the kernel chosen by the caller (a batched decode step always streams rows). */
    Tensor infer(Tensor x, boolean rowStreaming) {
        int[] shape = x.shape();
        if (rowStreaming) {
            float[][] hidden = FusedMatVec.swiGlu(FusedMatVec.rows(x), gate.inferenceWeight(), up.inferenceWeight());
            return FusedMatVec.tensor(FusedMatVec.multiply(hidden, down.inferenceWeight())[0], shape);
        }
        Tensor hidden = Unary.siluMul(MatMul.linear(x, gate.inferenceWeight()), MatMul.linear(x, up.inferenceWeight()));
        return MatMul.linear(hidden, down.inferenceWeight());
    }
}
