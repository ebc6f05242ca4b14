import org.visualchat.tensor.DType;
import org.visualchat.tensor.Tensor;
import org.visualchat.tensor.kernels.BatchMatVec;
import org.visualchat.tensor.kernels.MatVec;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;

/**
 * Thread CPU time (which other processes on a shared host do not inflate) of one weight product for 1
 * activation row, for 4 rows by the per-row route (each row through MatVec.rows on 16-row blocks, the block
 * re-read from cache) and for 4 rows by BatchMatVec.rows; weights cycled over >= 128 MiB so they come from
 * DRAM; best of 8 interleaved rounds. Figures: tensor/docs/matmul.md, "Several activation rows".
 * Run from the repository root, after ./mvnw -q -o compile -pl tensor:
 *   $JAVA_HOME/bin/java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED \
 *     -cp tensor/target/classes scripts/BatchMatVecCpuTime.java BF16,Q8_0,Q4_0
 */
public class BatchMatVecCpuTime {
    public static void main(String[] a) {
        int n = 5632, k = 2048, B = 4;
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        for (String t : a[0].split(",")) {
            DType type = DType.valueOf(t);
            Tensor w = Tensor.uniform(1, -1, 1, n, k).to(type);
            MemorySegment heap = w.storage().segment();
            int copies = (int) Math.max(2, (128L << 20) / heap.byteSize() + 1);
            MemorySegment[] ws = new MemorySegment[copies];
            for (int c = 0; c < copies; c++) ws[c] = Arena.global().allocate(heap.byteSize(), 64).copyFrom(heap);
            long rowBytes = w.byteOffset(k) - w.byteOffset(0);
            float[][] xs = new float[B][], ys = new float[B][n];
            for (int b = 0; b < B; b++) xs[b] = Tensor.uniform(b + 5, -1, 1, k).toFloatArray();
            double[] best = {1e18, 1e18, 1e18};
            for (int rep = 0; rep < 8; rep++) {
                for (int mode = 0; mode < 3; mode++) {
                    long t0 = mx.getCurrentThreadCpuTime();
                    for (int c = 0; c < copies; c++) {
                        MemorySegment s = ws[c];
                        if (mode == 0) MatVec.rows(type, s, 0, rowBytes, 0, n, xs[0], k, MemorySegment.ofArray(ys[0]), 0, 1);
                        else if (mode == 1) for (int r = 0; r < n; r += 16) for (int b = 0; b < B; b++) MatVec.rows(type, s, 0, rowBytes, r, Math.min(n, r + 16), xs[b], k, MemorySegment.ofArray(ys[b]), 0, 1);
                        else BatchMatVec.rows(type, s, 0, rowBytes, 0, n, xs, k, ys);
                    }
                    best[mode] = Math.min(best[mode], (mx.getCurrentThreadCpuTime() - t0) / (double) copies);
                }
            }
            System.out.printf("%s %dx%d: 1 row %.2f ms; %d rows per-row route %.2f ms = %.2fx tok/s of one; BatchMatVec %.2f ms = %.2fx tok/s of one; BatchMatVec/per-row speed %.2fx%n",
                    type, n, k, best[0] / 1e6, B, best[1] / 1e6, B * best[0] / best[1], best[2] / 1e6, B * best[0] / best[2], best[1] / best[2]);
        }
    }
}
