package org.visualchat.vision.encoder;

import org.visualchat.autograd.Activations;
import org.visualchat.autograd.Variable;
import org.visualchat.nn.Linear;
import org.visualchat.nn.Module;

/** QWen-VL's block MLP {@code c_proj(GELU(c_fc(x)))}, exact (erf) GELU: {@code nn.GELU()}. */
final class QwenMlp extends Module {
    private final Linear cFc;
    private final Linear cProj;

    QwenMlp(int width, int hidden, long seed) {
        this.cFc = child("c_fc", new Linear(width, hidden, true, seed));
        this.cProj = child("c_proj", new Linear(hidden, width, true, seed + 1));
    }

    Variable forward(Variable x) {
        return cProj.forward(Activations.gelu(cFc.forward(x)));
    }
}
