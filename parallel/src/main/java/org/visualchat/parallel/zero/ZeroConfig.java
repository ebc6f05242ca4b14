package org.visualchat.parallel.zero;

/**
 * ZeRO settings (distributed.md §1.7, §7.2; names follow DeepSpeed where they mean the same thing).
 *
 * @param stage             0 = data parallel (gradients all-reduced, everything replicated); 1 = F32 master
 *                          weights and optimizer state sharded; 2 = also gradients (reduce-scattered after every
 *                          micro-step, full gradients freed); 3 = also parameters (gathered around each unit's
 *                          forward and backward, released after)
 * @param frozen            what happens to frozen parameters of stage-3 units: {@link Frozen#REPLICATED} leaves them
 *                          whole on every rank (the VisualChat case: weights memory-mapped per node, no traffic);
 *                          {@link Frozen#PARTITIONED} shards and gathers them like trainable ones (for nodes that
 *                          cannot hold them)
 * @param prefetchUnits     stage 3: how many upcoming units (in the order recorded during the first micro-step) may
 *                          be gathered ahead while the current one computes; 0 disables prefetch. At most
 *                          1 + prefetchUnits units are gathered at any time.
 * @param bucketElements    stages 0–2: gradients and weights are communicated in buckets of whole parameters of at
 *                          most this many elements (one larger parameter gets a bucket of its own)
 * @param gradientClipping  global-norm clipping threshold; 0 turns clipping off (the norm is still computed)
 * @param overlapComm       stages 0–2: reduce each gradient bucket on the communication thread as soon as backward
 *                          has finished its gradients, while backward continues (DeepSpeed's {@code overlap_comm});
 *                          stage 2 on every micro-step, stages 0 and 1 on the micro-step passed to
 *                          {@code backward(loss, true)}. Off: buckets are reduced after backward returns. Stage 3
 *                          reduces each unit during backward either way.
 */
public record ZeroConfig(int stage, Frozen frozen, int prefetchUnits, long bucketElements, double gradientClipping, boolean overlapComm) {

    /** Frozen-parameter policy under stage 3. */
    public enum Frozen { REPLICATED, PARTITIONED }

    public ZeroConfig {
        if (stage < 0 || stage > 3) throw new IllegalArgumentException("ZeRO stage must be 0, 1, 2 or 3, got " + stage);
        if (frozen == Frozen.PARTITIONED && stage != 3) throw new IllegalArgumentException("frozen parameters can only be partitioned under stage 3, not stage " + stage);
        if (prefetchUnits < 0) throw new IllegalArgumentException("prefetchUnits must be non-negative, got " + prefetchUnits);
        if (bucketElements < 1) throw new IllegalArgumentException("bucketElements must be positive, got " + bucketElements);
        if (gradientClipping < 0 || Double.isNaN(gradientClipping)) throw new IllegalArgumentException("gradientClipping must be ≥ 0, got " + gradientClipping);
    }

    /** Stage {@code stage} with frozen weights replicated, prefetch of one unit, 5e8-element buckets, no clipping, no overlap. */
    public static ZeroConfig stage(int stage) {
        return new ZeroConfig(stage, Frozen.REPLICATED, 1, 500_000_000L, 0, false);
    }

    public ZeroConfig withFrozen(Frozen f) { return new ZeroConfig(stage, f, prefetchUnits, bucketElements, gradientClipping, overlapComm); }

    public ZeroConfig withPrefetchUnits(int n) { return new ZeroConfig(stage, frozen, n, bucketElements, gradientClipping, overlapComm); }

    public ZeroConfig withBucketElements(long n) { return new ZeroConfig(stage, frozen, prefetchUnits, n, gradientClipping, overlapComm); }

    public ZeroConfig withGradientClipping(double c) { return new ZeroConfig(stage, frozen, prefetchUnits, bucketElements, c, overlapComm); }

    public ZeroConfig withOverlapComm(boolean on) { return new ZeroConfig(stage, frozen, prefetchUnits, bucketElements, gradientClipping, on); }
}
