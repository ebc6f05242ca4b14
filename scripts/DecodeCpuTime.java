import org.visualchat.llama.model.KvCache;
import org.visualchat.llama.model.LlamaModel;
import org.visualchat.mmca.bench.LlamaWorkload;
import org.visualchat.tensor.DType;
import org.visualchat.tensor.Tensor;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Path;

/**
 * Decode speed in thread CPU time, which the other processes of a shared host do not inflate: one token
 * per step after a 16-token prompt (as `visualchat bench decode`), TinyLlama-1.1B-shaped models from
 * /tmp/visualchat-bench or -Ddir=DIR (written by `visualchat bench decode`), on the calling thread (VC_THREADS=1);
 * best of R rounds of S steps after a warm-up round. To compare two builds, run this against each one's
 * jars alternately, or put one build's tensor classes first on the class path (a build's
 * tensor/target/classes saved beforehand) to swap only the kernels. Figures: bench/docs/benchmarks.md.
 * From the repository root, after ./visualchat has built the application:
 *   VC_THREADS=1 $JAVA_HOME/bin/java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED \
 *     -XX:+UseParallelGC -Xmn64m -cp "mmca/target/visualchat-mmca-0.1.0-SNAPSHOT.jar:mmca/target/lib/*" \
 *     scripts/DecodeCpuTime.java Q8_0,Q4_0 5 20
 */
public class DecodeCpuTime {
    public static void main(String[] a) throws Exception {
        ThreadMXBean cpu = ManagementFactory.getThreadMXBean();
        int rounds = Integer.parseInt(a[1]), steps = Integer.parseInt(a[2]), context = 16;
        for (String type : a[0].split(",")) {
            try (LlamaWorkload w = new LlamaWorkload(Path.of(System.getProperty("dir", "/tmp/visualchat-bench")), LlamaWorkload.TINYLLAMA, DType.valueOf(type), s -> {})) {
                LlamaModel m = w.model();
                KvCache cache = w.cache(context + 1);
                cache.truncate(0);
                m.infer(w.tokens(context), cache, null);
                Tensor next = w.tokens(1);
                double best = Double.POSITIVE_INFINITY;
                for (int r = 0; r <= rounds; r++) {
                    long t0 = cpu.getCurrentThreadCpuTime();
                    for (int s = 0; s < steps; s++) {
                        cache.truncate(context);
                        m.inferLast(next, cache, null);
                    }
                    if (r > 0) best = Math.min(best, (cpu.getCurrentThreadCpuTime() - t0) / 1e9 / steps);
                }
                System.out.printf("%-5s decode: %.2f tokens per CPU-second (%.1f ms per step, best of %d rounds of %d steps)%n", type, 1 / best, 1e3 * best, rounds, steps);
            }
        }
    }
}
