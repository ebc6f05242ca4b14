package org.visualchat.nn.optim;

import org.visualchat.autograd.Variable;
import org.visualchat.tensor.Storage;
import org.visualchat.tensor.Tensor;
import org.visualchat.tensor.ops.Elementwise;

import java.lang.foreign.MemorySegment;
import java.util.Collection;

/** Global-norm gradient clipping (torch.nn.utils.clip_grad_norm_, DeepSpeed {@code gradient_clipping}). */
public final class GradClip {
    private GradClip() {}

    /**
     * Scales all gradients by min(1, maxNorm / (‖g‖ + 1e-6)), ‖g‖ the L2 norm over every gradient
     * together (accumulated in double); returns ‖g‖ before clipping.
     */
    public static double clipGlobalNorm(Collection<Variable> params, double maxNorm) {
        double sumSq = 0;
        for (Variable p : params) {
            if (p.grad() == null) continue;
            MemorySegment g = ParamBuffer.f32(p.grad());
            for (long i = 0, n = p.grad().numel(); i < n; i++) {
                double x = g.getAtIndex(Storage.F32, i);
                sumSq += x * x;
            }
        }
        double norm = Math.sqrt(sumSq);
        double coef = maxNorm / (norm + 1e-6);
        if (coef < 1) {
            for (Variable p : params) {
                Tensor g = p.grad();
                if (g != null) p.setGrad(Elementwise.mul(g, (float) coef));
            }
        }
        return norm;
    }
}
