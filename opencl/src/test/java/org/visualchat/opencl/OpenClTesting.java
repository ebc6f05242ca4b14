package org.visualchat.opencl;

import org.visualchat.tensor.Tensor;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.fail;

/** Shared by the OpenCL tests: a small backend on the first OpenCL device (PoCL in CI) and comparisons. */
final class OpenClTesting {
    private OpenClTesting() {}

    /** 32 MiB of floats, 8 MiB of raw weights: enough for every parity test, small for 2-core CI. */
    static OpenClBackend open() {
        return OpenClBackend.open("opencl", new OpenClBackend.Capacity(8 << 20, 8 << 20, 1 << 16));
    }

    /**
     * Fails unless |expected − actual| ≤ atol + rtol·|expected| everywhere (NaN/±∞ must match exactly);
     * prints the largest error so the stated tolerances can be checked against what was measured.
     */
    static void assertClose(Tensor expected, Tensor actual, double atol, double rtol, String what) {
        assertArrayEquals(expected.shape(), actual.shape(), what + ": shape");
        float[] e = expected.toFloatArray(), a = actual.toFloatArray();
        double worst = 0;
        for (int i = 0; i < e.length; i++) {
            if (Float.isNaN(e[i]) || Float.isInfinite(e[i]) || Float.isNaN(a[i]) || Float.isInfinite(a[i])) {
                if (Float.compare(e[i], a[i]) != 0) fail(what + ": element " + i + " expected " + e[i] + " but was " + a[i]);
                continue;
            }
            double err = Math.abs((double) e[i] - a[i]);
            worst = Math.max(worst, err);
            if (err > atol + rtol * Math.abs(e[i])) {
                fail(what + ": element " + i + " of " + Arrays.toString(expected.shape()) + " expected " + e[i] + " but was " + a[i]
                        + " (|error| " + err + " > " + atol + " + " + rtol + "·|expected|)");
            }
        }
        System.out.printf("%s: max |error| %.3g%n", what, worst);
    }

    /**
     * MMCA's two visibility masks for per-token modality codes (1 text, 2 image), additive, [L, L]:
     * image branch = causal image keys, an image query seeing only itself; text branch = causal text
     * keys (deepspeed-visualchat.md §2.1, with −∞ for "not visible" so an empty branch is all −∞).
     */
    static Tensor[] mmcaMasks(int[] codes) {
        int l = codes.length;
        Tensor image = Tensor.zeros(l, l), text = Tensor.zeros(l, l);
        for (int i = 0; i < l; i++) {
            for (int j = 0; j < l; j++) {
                boolean visible = j <= i;
                image.set(visible && codes[j] == 2 && (codes[i] != 2 || i == j) ? 0f : Float.NEGATIVE_INFINITY, i, j);
                text.set(visible && codes[j] == 1 ? 0f : Float.NEGATIVE_INFINITY, i, j);
            }
        }
        return new Tensor[] {image, text};
    }

    /** Additive causal mask [S, S]: 0 on and below the diagonal, −∞ above. */
    static Tensor causal(int s) {
        Tensor mask = Tensor.zeros(s, s);
        for (int i = 0; i < s; i++) for (int j = i + 1; j < s; j++) mask.set(Float.NEGATIVE_INFINITY, i, j);
        return mask;
    }
}
