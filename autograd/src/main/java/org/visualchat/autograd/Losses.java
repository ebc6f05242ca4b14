package org.visualchat.autograd;

import org.visualchat.tensor.Tensor;
import org.visualchat.tensor.ops.Loss;

/** Differentiable losses. */
public final class Losses {
    private Losses() {}

    /** The label PyTorch (and the reference's collator) uses for positions that carry no loss. */
    public static final int IGNORE_INDEX = -100;

    /**
     * Mean cross-entropy of logits [N, C] against targets [N] (I32/I64), skipping targets equal to
     * {@link #IGNORE_INDEX}; rank-0 result, 0 when every target is ignored.
     */
    public static Variable crossEntropy(Variable logits, Tensor targets) {
        return crossEntropy(logits, targets, IGNORE_INDEX);
    }

    public static Variable crossEntropy(Variable logits, Tensor targets, int ignoreIndex) {
        return Variable.fromOp(Loss.crossEntropy(logits.value(), targets, ignoreIndex), g -> new Tensor[] {
                Loss.crossEntropyBackward(logits.value(), targets, ignoreIndex, g.toFloatArray()[0])}, logits);
    }
}
