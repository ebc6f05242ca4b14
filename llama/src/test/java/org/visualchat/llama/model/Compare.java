package org.visualchat.llama.model;

import org.visualchat.tensor.Tensor;

/** How far two tensors of logits are apart, shared by the model and loader tests. */
public final class Compare {
    private Compare() {}

    /** max |actual − expected| / max |expected| over all elements (same element count required). */
    public static double relativeError(Tensor actual, Tensor expected) {
        float[] a = actual.toFloatArray(), e = expected.toFloatArray();
        if (a.length != e.length) throw new AssertionError("sizes differ: " + a.length + " vs " + e.length);
        double maxDiff = 0, maxRef = 0;
        for (int i = 0; i < a.length; i++) {
            maxDiff = Math.max(maxDiff, Math.abs(a[i] - e[i]));
            maxRef = Math.max(maxRef, Math.abs(e[i]));
        }
        return maxDiff / maxRef;
    }
}
