package org.visualchat.autograd;

import org.visualchat.tensor.Tensor;
import org.visualchat.tensor.ops.Rope;

/**
 * Differentiable rotary position embedding. RoPE rotates each pair by an angle fixed by the position,
 * an orthogonal map, so its backward is the rotation by the opposite angle.
 */
public final class Positional {
    private Positional() {}

    /** x [..., seq, headDim]; positions I32/I64 [seq] or [B, seq] (never differentiated). */
    public static Variable rope(Variable x, Tensor positions, float theta, Rope.Layout layout) {
        return Variable.fromOp(Rope.rope(x.value(), positions, theta, layout),
                g -> new Tensor[] {Rope.ropeBackward(g, positions, theta, layout)}, x);
    }
}
