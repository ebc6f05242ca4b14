package org.visualchat.parallel.zero;

/**
 * Per-rank memory and traffic of one optimizer step under a ZeRO stage (distributed.md §1.2, §1.3), for
 * what {@link ZeroEngine} does: Ψ trainable parameters stored with w bytes, gradients with g bytes, optimizer
 * state K = 12 bytes per parameter (Adam m, v and an F32 master; 8 at stages 0 and 3 for F32 weights, which
 * are their own master there):
 * <pre>
 *   model states   stage 0: (w + g + K)Ψ    1: (w + g)Ψ + KΨ/p    2: wΨ + (g + K)Ψ/p    3: (w + g + K)Ψ/p
 *   bytes sent     stage 0: 2(p−1)/p·gΨ     1: (p−1)/p·(g + w)Ψ   2: (p−1)/p·(k·g + w)Ψ
 *                  stage 3: k·(p−1)/p·(gΨ + w_fwd·Ψ₃ + w_bwd·Ψ₃')   (all-gathers before forward and backward)
 * </pre>
 * with k micro-steps per step and Ψ₃ the partitioned parameters (trainable, plus frozen ones when
 * partitioned; a frozen encoder ahead of every trainable parameter is gathered in forward only). Frozen
 * weights are either replicated (memory-mapped, no traffic) or partitioned under stage 3. Stage 3 also holds
 * the gathered units: (1 + prefetch) × the largest unit. Slices are the largest rank's: ⌈n/p⌉.
 */
public final class ZeroPlan {
    /** Per-rank bytes. */
    public record Memory(long frozen, long weights, long gradients, long optimizer, long gathered) {
        public long total() { return frozen + weights + gradients + optimizer + gathered; }
    }

    /** Bytes one rank sends per optimizer step, by collective. */
    public record Traffic(long allReduce, long reduceScatter, long allGather) {
        public long total() { return allReduce + reduceScatter + allGather; }
    }

    public record Plan(int stage, Memory memory, Traffic traffic) {}

    private ZeroPlan() {}

    /**
     * @param gradBytes     bytes per gradient element communicated and kept (ZeroEngine: 4, F32)
     * @param accumulation  micro-steps per optimizer step
     * @param prefetchUnits stage 3 units gathered ahead
     */
    public static Plan plan(ModelShape model, int world, int stage, ZeroConfig.Frozen frozen, int gradBytes, int accumulation, int prefetchUnits) {
        if (world < 1) throw new IllegalArgumentException("world size must be positive, got " + world);
        if (stage < 0 || stage > 3) throw new IllegalArgumentException("stage must be 0..3, got " + stage);
        if (frozen == ZeroConfig.Frozen.PARTITIONED && stage != 3) throw new IllegalArgumentException("frozen weights can only be partitioned under stage 3");
        long frozenMem = 0, weights = 0, grads = 0, optimizer = 0, largestUnit = 0;
        long rs = 0, ag = 0, ar = 0;
        int p = world;
        for (ModelShape.Component c : model.components()) {
            long n = c.params(), w = c.weightBytes(), slice = ceilDiv(n, p);
            if (!c.trainable()) {
                boolean partitioned = frozen == ZeroConfig.Frozen.PARTITIONED;
                frozenMem += partitioned ? slice * w : n * w;
                if (partitioned) {
                    largestUnit = Math.max(largestUnit, c.largestUnit() * w);
                    ag += accumulation * (c.needsBackward() ? 2 : 1) * ring(n * w, p);
                }
                continue;
            }
            // Adam m, v (8 B) + an F32 master (4 B): stages 1–2 always keep the master slice apart from the
            // replicated weights; stages 0 and 3 need one only for 16-bit weights (F32 slices are their own master).
            long k = stage == 1 || stage == 2 || w != 4 ? 12 : 8;
            switch (stage) {
                case 0 -> {
                    weights += n * w; grads += n * gradBytes; optimizer += n * k;
                    ar += 2 * ring(n * gradBytes, p);
                }
                case 1 -> {
                    weights += n * w; grads += n * gradBytes; optimizer += slice * k;
                    rs += ring(n * gradBytes, p); ag += ring(n * w, p);
                }
                case 2 -> {
                    weights += n * w; grads += slice * gradBytes; optimizer += slice * k;
                    rs += accumulation * ring(n * gradBytes, p); ag += ring(n * w, p);
                }
                default -> {
                    weights += slice * w; grads += slice * gradBytes; optimizer += slice * k;
                    largestUnit = Math.max(largestUnit, c.largestUnit() * w);
                    rs += accumulation * ring(n * gradBytes, p); ag += accumulation * 2 * ring(n * w, p);
                }
            }
        }
        long gathered = stage == 3 ? (1L + prefetchUnits) * largestUnit : 0;
        return new Plan(stage, new Memory(frozenMem, weights, grads, optimizer, gathered), new Traffic(ar, rs, ag));
    }

    /** (p−1)/p of {@code bytes}: what a rank sends in a ring reduce-scatter or all-gather of the whole buffer. */
    static long ring(long bytes, int p) {
        return Math.round(bytes * (double) (p - 1) / p);
    }

    private static long ceilDiv(long a, long b) {
        return (a + b - 1) / b;
    }
}
