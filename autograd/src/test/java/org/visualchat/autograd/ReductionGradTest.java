package org.visualchat.autograd;

import org.junit.jupiter.api.Test;
import org.visualchat.tensor.Tensor;

import static org.visualchat.autograd.GradCheck.check;
import static org.visualchat.autograd.GradCheck.randn;
import static org.visualchat.autograd.GradCheck.strided;

class ReductionGradTest {
    @Test
    void sumsAndMeans() {
        check("sum all", v -> Reductions.sum(v[0]), strided(1, 3, 7));
        check("mean all", v -> Reductions.mean(v[0]), randn(2, 2, 3, 5));
        check("sum dim keep", v -> Reductions.sum(v[0], 1, true), strided(3, 2, 3, 4));
        check("sum dim drop", v -> Reductions.sum(v[0], -1, false), strided(4, 5, 6));
        check("mean dim", v -> Reductions.mean(v[0], 0, false), randn(5, 7, 3));
    }

    @Test
    void maxRoutesToTheArgmax() {
        // Distinct values spaced well beyond 2ε so the arg-max never changes under perturbation.
        float[] v = new float[4 * 6];
        for (int i = 0; i < v.length; i++) v[i] = ((i * 7) % v.length) * 0.1f;
        Tensor x = Tensor.of(v, 4, 6);
        check("max dim1", a -> Reductions.max(a[0], 1, false), x);
        check("max dim0 keep", a -> Reductions.max(a[0], 0, true), x.transpose(0, 1));
    }
}
