package org.visualchat.autograd;

import org.junit.jupiter.api.Test;
import org.visualchat.tensor.Tensor;

import static org.visualchat.autograd.GradCheck.check;
import static org.visualchat.autograd.GradCheck.randn;
import static org.visualchat.autograd.GradCheck.strided;

class NormalizationGradTest {
    @Test
    void softmaxAndLogSoftmax() {
        check("softmax", v -> Normalization.softmax(v[0]), strided(1, 3, 7));
        check("logSoftmax", v -> Normalization.logSoftmax(v[0]), strided(2, 2, 3, 5));
    }

    @Test
    void maskedSoftmaxIncludingAFullyMaskedRow() {
        float inf = Float.NEGATIVE_INFINITY;
        Tensor mask = Tensor.of(new float[] {
                0, inf, inf, inf,
                0, 0, inf, -1,
                inf, inf, inf, inf,
                0, 0, 0, 0}, 4, 4);
        check("masked softmax", v -> Normalization.softmax(v[0], mask), strided(3, 2, 4, 4));
    }

    @Test
    void layerNormWithAndWithoutAffine() {
        check("layerNorm", v -> Normalization.layerNorm(v[0], v[1], v[2], 1e-5f), strided(4, 3, 7), randn(5, 7), randn(6, 7));
        check("layerNorm plain", v -> Normalization.layerNorm(v[0], null, null, 1e-5f), randn(7, 2, 2, 5));
    }

    @Test
    void rmsNorm() {
        check("rmsNorm", v -> Normalization.rmsNorm(v[0], v[1], 1e-6f), strided(8, 2, 3, 6), randn(9, 6));
        check("rmsNorm plain", v -> Normalization.rmsNorm(v[0], null, 1e-6f), randn(10, 5, 17));
    }
}
