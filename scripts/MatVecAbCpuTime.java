import org.visualchat.tensor.DType;
import org.visualchat.tensor.Tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;

/**
 * A/B of two builds' MatVec.rows in ONE JVM: each build's tensor classes are loaded by a class loader of
 * their own, so both are JIT-compiled side by side under the same load, and the ratio is read from thread
 * CPU time (which the other processes on a shared host do not inflate). One thread, a weight [rows, 2048]
 * per dtype; rows = 128 measures the kernel from L2, rows = 5632 with the weight cycled over >= 160 MiB of
 * copies measures it from DRAM. Best of the interleaved rounds (each build goes first in every other round). Prints GB/s of weight bytes and new/old.
 * Run from the repository root, with the old build's classes saved beforehand (e.g. git stash, compile,
 * cp -r tensor/target/classes /tmp/old-classes, git stash pop), after ./mvnw -q -o compile -pl tensor:
 *   $JAVA_HOME/bin/java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED \
 *     -cp tensor/target/classes scripts/MatVecAbCpuTime.java /tmp/old-classes tensor/target/classes Q8_0,Q4_0 5632 20
 */
public class MatVecAbCpuTime {
    public static void main(String[] a) throws Throwable {
        MethodHandle[] rows = {rowsOf(a[0]), rowsOf(a[1])};
        int n = Integer.parseInt(a[3]), k = 2048, rounds = Integer.parseInt(a[4]);
        ThreadMXBean cpu = ManagementFactory.getThreadMXBean();
        for (String t : a[2].split(",")) {
            Tensor w = Tensor.uniform(1, -1, 1, n, k).to(DType.valueOf(t));
            MemorySegment heap = w.storage().segment();
            int copies = n <= 256 ? 1 : (int) ((160L << 20) / heap.byteSize() + 1);
            int repeat = Math.max(1, 400 / copies);
            MemorySegment[] ws = new MemorySegment[copies];
            for (int c = 0; c < copies; c++) ws[c] = Arena.global().allocate(heap.byteSize(), 64).copyFrom(heap);
            long rowBytes = w.byteOffset(k) - w.byteOffset(0);
            float[] x = Tensor.uniform(5, -1, 1, k).toFloatArray();
            float[][] y = new float[2][n];
            double[] best = {Double.MAX_VALUE, Double.MAX_VALUE};
            for (int round = 0; round < rounds; round++) {
                for (int turn = 0; turn < 2; turn++) {
                    int b = (turn + round) % 2; // old first in even rounds, new first in odd ones
                    long t0 = cpu.getCurrentThreadCpuTime();
                    for (int i = 0; i < repeat; i++)
                        for (MemorySegment s : ws) rows[b].invokeExact(t, s, rowBytes, n, x, k, MemorySegment.ofArray(y[b]));
                    best[b] = Math.min(best[b], (cpu.getCurrentThreadCpuTime() - t0) / (double) (repeat * copies));
                }
            }
            if (!java.util.Arrays.equals(y[0], y[1])) System.out.println("  (old and new results differ)");
            System.out.printf("%s %dx%d: old %.1f GB/s, new %.1f GB/s, new/old %.3f%n", t, n, k, heap.byteSize() / best[0], heap.byteSize() / best[1], best[0] / best[1]);
        }
    }

    /** MatVec.rows of the build at {@code classes}, as (dtype name, w, rowBytes, rows, x, k, y) -> void. */
    private static MethodHandle rowsOf(String classes) throws Exception {
        ClassLoader loader = new URLClassLoader(new URL[] {Path.of(classes).toUri().toURL()}, ClassLoader.getPlatformClassLoader());
        Class<?> dtype = loader.loadClass("org.visualchat.tensor.DType");
        MethodHandle rows = MethodHandles.publicLookup().findStatic(loader.loadClass("org.visualchat.tensor.kernels.MatVec"), "rows",
                MethodType.methodType(void.class, dtype, MemorySegment.class, long.class, long.class, int.class, int.class, float[].class, int.class,
                        MemorySegment.class, long.class, long.class));
        MethodHandle valueOf = MethodHandles.publicLookup().findStatic(dtype, "valueOf", MethodType.methodType(dtype, String.class));
        // (name, w, rowBytes, n, x, k, y) -> rows(valueOf(name), w, 0, rowBytes, 0, n, x, k, y, 0, 1)
        MethodHandle bound = MethodHandles.insertArguments(rows, 9, 0L, 1L);
        bound = MethodHandles.insertArguments(bound, 4, 0);
        bound = MethodHandles.insertArguments(bound, 2, 0L);
        bound = MethodHandles.filterArguments(bound, 0, valueOf);
        return bound.asType(MethodType.methodType(void.class, String.class, MemorySegment.class, long.class, int.class, float[].class, int.class, MemorySegment.class));
    }
}
