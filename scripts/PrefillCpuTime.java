import org.visualchat.llama.model.KvCache;
import org.visualchat.llama.model.LlamaModel;
import org.visualchat.mmca.bench.LlamaWorkload;
import org.visualchat.tensor.DType;
import org.visualchat.tensor.Tensor;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Path;

/**
 * Prefill speed in thread CPU time, which the other processes of a shared host do not inflate (wall-time
 * figures from `visualchat bench prefill` moved 3-5x between runs at load 20): 128-token prefills
 * (inferLast) of the TinyLlama-1.1B-shaped models `visualchat bench prefill` wrote to
 * /tmp/visualchat-bench, on one thread; best of N after one warm-up. Compare two builds by running this
 * against each one's jars, alternately. Figures: bench/docs/benchmarks.md. From the repository root,
 * after ./visualchat has built the application:
 *   VC_THREADS=1 $JAVA_HOME/bin/java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED \
 *     -XX:+UseParallelGC -Xmn64m -cp "mmca/target/visualchat-mmca-0.1.0-SNAPSHOT.jar:mmca/target/lib/*" \
 *     scripts/PrefillCpuTime.java BF16,Q8_0,Q4_0 4
 */
public class PrefillCpuTime {
    public static void main(String[] a) throws Exception {
        ThreadMXBean cpu = ManagementFactory.getThreadMXBean();
        int runs = Integer.parseInt(a[1]);
        for (String type : a[0].split(",")) {
            try (LlamaWorkload w = new LlamaWorkload(Path.of("/tmp/visualchat-bench"), LlamaWorkload.TINYLLAMA, DType.valueOf(type), s -> {})) {
                LlamaModel m = w.model();
                KvCache cache = w.cache(128);
                Tensor prompt = w.tokens(128);
                double best = Double.POSITIVE_INFINITY;
                for (int i = 0; i <= runs; i++) {
                    cache.truncate(0);
                    long t0 = cpu.getCurrentThreadCpuTime();
                    m.inferLast(prompt, cache, null);
                    if (i > 0) best = Math.min(best, (cpu.getCurrentThreadCpuTime() - t0) / 1e9);
                }
                System.out.printf("%-5s prefill 128 tokens: %.1f tokens per CPU-second (best of %d)%n", type, 128 / best, runs);
            }
        }
    }
}
