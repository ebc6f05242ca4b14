package org.visualchat.tensor.ops;

import org.visualchat.tensor.Tensor;

/**
 * Side-by-side timing of the vectorised softmax, rmsNorm and rope against plain scalar float loops
 * (the baselines below, which exist only for this comparison), at LLaMA-7B-like shapes. Not a test:
 * run it by hand on one thread so the ratio measures vectorisation alone —
 * <pre>
 * java --add-modules jdk.incubator.vector -Dvc.threads=1 \
 *      -cp tensor/target/classes:tensor/target/test-classes org.visualchat.tensor.ops.OpsSpeedCheck
 * </pre>
 */
public final class OpsSpeedCheck {
    private OpsSpeedCheck() {}

    public static void main(String[] args) {
        int heads = 32, seq = 512, dim = 4096, headDim = 128;
        Tensor scores = Tensor.randn(1, 3f, heads, seq, seq);
        Tensor hidden = Tensor.randn(2, 1f, seq, dim);
        Tensor weight = Tensor.randn(3, 1f, dim);
        Tensor q = Tensor.randn(4, 1f, 1, heads, seq, headDim);
        int[] p = new int[seq];
        for (int i = 0; i < seq; i++) p[i] = i;
        Tensor pos = Tensor.ofInts(p, seq);
        float[] s = scores.toFloatArray(), h = hidden.toFloatArray(), w = weight.toFloatArray(), x = q.toFloatArray();
        for (int round = 0; round < 3; round++) {
            report("softmax [32, 512, 512]", time(() -> Softmax.softmax(scores)), time(() -> scalarSoftmax(s, seq)));
            report("rmsNorm [512, 4096]", time(() -> Norm.rmsNorm(hidden, weight, 1e-5f)), time(() -> scalarRmsNorm(h, w, 1e-5f)));
            report("rope HALF [1, 32, 512, 128]", time(() -> Rope.rope(q, pos, 10000f, Rope.Layout.HALF)), time(() -> scalarRope(x, seq, headDim, 10000f)));
        }
    }

    private static void report(String what, double vector, double scalar) {
        System.out.printf("%-30s vector %8.3f ms   scalar %8.3f ms   speedup %5.2fx%n", what, vector * 1e3, scalar * 1e3, scalar / vector);
    }

    /** Best of 10 runs, in seconds. */
    private static double time(Runnable r) {
        double best = Double.MAX_VALUE;
        for (int i = 0; i < 10; i++) {
            long t0 = System.nanoTime();
            r.run();
            best = Math.min(best, (System.nanoTime() - t0) * 1e-9);
        }
        return best;
    }

    private static float[] scalarSoftmax(float[] x, int n) {
        float[] out = new float[x.length];
        for (int r = 0; r < x.length / n; r++) {
            float max = Float.NEGATIVE_INFINITY, sum = 0;
            for (int i = 0; i < n; i++) max = Math.max(max, x[r * n + i]);
            for (int i = 0; i < n; i++) sum += out[r * n + i] = (float) Math.exp(x[r * n + i] - max);
            float inv = 1 / sum;
            for (int i = 0; i < n; i++) out[r * n + i] *= inv;
        }
        return out;
    }

    private static float[] scalarRmsNorm(float[] x, float[] w, float eps) {
        int n = w.length;
        float[] out = new float[x.length];
        for (int r = 0; r < x.length / n; r++) {
            float ss = 0;
            for (int i = 0; i < n; i++) ss += x[r * n + i] * x[r * n + i];
            float scale = (float) (1 / Math.sqrt(ss / n + eps));
            for (int i = 0; i < n; i++) out[r * n + i] = x[r * n + i] * scale * w[i];
        }
        return out;
    }

    /** HF rotate_half with the cos/sin computed per call in float, as a straightforward port would. */
    private static float[] scalarRope(float[] x, int seq, int d, float theta) {
        int h = d / 2;
        float[] cos = new float[seq * h], sin = new float[seq * h];
        for (int s = 0; s < seq; s++) for (int i = 0; i < h; i++) {
            double a = s * Math.pow(theta, -2.0 * i / d);
            cos[s * h + i] = (float) Math.cos(a);
            sin[s * h + i] = (float) Math.sin(a);
        }
        float[] out = new float[x.length];
        for (int r = 0; r < x.length / d; r++) {
            int t = (r % seq) * h;
            for (int i = 0; i < h; i++) {
                float x0 = x[r * d + i], x1 = x[r * d + i + h];
                out[r * d + i] = x0 * cos[t + i] - x1 * sin[t + i];
                out[r * d + i + h] = x1 * cos[t + i] + x0 * sin[t + i];
            }
        }
        return out;
    }
}
