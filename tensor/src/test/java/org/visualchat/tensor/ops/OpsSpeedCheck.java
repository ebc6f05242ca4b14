package org.visualchat.tensor.ops;

import org.visualchat.tensor.Storage;
import org.visualchat.tensor.Tensor;

import java.lang.foreign.MemorySegment;

/**
 * Side-by-side timing of the vectorised softmax, rmsNorm and rope row kernels against plain scalar
 * float loops (the baselines below, which exist only for this comparison), at LLaMA-7B-like shapes
 * (32 heads, 512 tokens, hidden 4096, head dim 128). Not a test:
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
        int scoreRows = heads * seq, hiddenRows = seq, ropeRows = heads * seq;
        float[] s = Tensor.randn(1, 3f, scoreRows, seq).toFloatArray(), h = Tensor.randn(2, 1f, hiddenRows, dim).toFloatArray();
        float[] w = Tensor.randn(3, 1f, dim).toFloatArray(), x = Tensor.randn(4, 1f, ropeRows, headDim).toFloatArray();
        // Kernels run on off-heap buffers allocated once: on this VM, first-touch page faults make a
        // fresh 32 MiB allocation cost ~300 ms, which would swamp both sides of the comparison.
        MemorySegment sIn = offHeap(s), sOut = offHeap(new float[s.length]);
        MemorySegment hIn = offHeap(h), hOut = offHeap(new float[h.length]), wIn = offHeap(w);
        MemorySegment xIn = offHeap(x), xOut = offHeap(new float[x.length]);
        RopeTable table = RopeTable.get(10000f, headDim, Rope.Layout.HALF, seq - 1);
        float[] sScalar = new float[s.length], hScalar = new float[h.length], xScalar = new float[x.length];
        for (int round = 0; round < 5; round++) {
            report("softmax [32·512, 512]",
                    time(() -> { for (int r = 0; r < scoreRows; r++) Softmax.row(sIn, 4L * r * seq, sOut, 4L * r * seq, seq, false); }),
                    time(() -> scalarSoftmax(s, sScalar, seq)));
            report("rmsNorm [512, 4096]",
                    time(() -> { for (int r = 0; r < hiddenRows; r++) Norm.row(hIn, 4L * r * dim, wIn, 0, null, 0, hOut, 4L * r * dim, dim, 1e-5f, true); }),
                    time(() -> scalarRmsNorm(h, w, hScalar, 1e-5f)));
            report("rope HALF [32·512, 128]",
                    time(() -> { for (int r = 0; r < ropeRows; r++) Rope.rotateHalf(xIn, 4L * r * headDim, table, 4L * (r % seq) * headDim, 1f, xOut, 4L * r * headDim, headDim); }),
                    time(() -> scalarRope(x, xScalar, table, seq, headDim)));
        }
    }

    private static MemorySegment offHeap(float[] values) {
        MemorySegment m = VecMath.scratch(4L * values.length);
        MemorySegment.copy(values, 0, m, Storage.F32, 0, values.length);
        return m;
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

    private static void scalarSoftmax(float[] x, float[] out, int n) {
        for (int r = 0; r < x.length / n; r++) {
            float max = Float.NEGATIVE_INFINITY, sum = 0;
            for (int i = 0; i < n; i++) max = Math.max(max, x[r * n + i]);
            for (int i = 0; i < n; i++) sum += out[r * n + i] = (float) Math.exp(x[r * n + i] - max);
            float inv = 1 / sum;
            for (int i = 0; i < n; i++) out[r * n + i] *= inv;
        }
    }

    private static void scalarRmsNorm(float[] x, float[] w, float[] out, float eps) {
        int n = w.length;
        for (int r = 0; r < x.length / n; r++) {
            float ss = 0;
            for (int i = 0; i < n; i++) ss += x[r * n + i] * x[r * n + i];
            float scale = (float) (1 / Math.sqrt(ss / n + eps));
            for (int i = 0; i < n; i++) out[r * n + i] = x[r * n + i] * scale * w[i];
        }
    }

    /** HF rotate_half, reading the same cos/sin table as the kernel. */
    private static void scalarRope(float[] x, float[] out, RopeTable t, int seq, int d) {
        int h = d / 2;
        for (int r = 0; r < x.length / d; r++) {
            long p = (long) (r % seq) * d;
            for (int i = 0; i < h; i++) {
                float c = t.cos.getAtIndex(Storage.F32, p + i), sn = t.sin.getAtIndex(Storage.F32, p + i + h);
                float x0 = x[r * d + i], x1 = x[r * d + i + h];
                out[r * d + i] = x0 * c - x1 * sn;
                out[r * d + i + h] = x1 * c + x0 * sn;
            }
        }
    }
}
