package org.visualchat.nn.optim;

/**
 * Learning-rate multipliers of Hugging Face {@code get_scheduler} (the reference's
 * {@code --lr_scheduler_type}), as a function of the optimizer step t = 0, 1, ...:
 * <ul>
 *   <li>warmup (all kinds): t / max(1, W) while t &lt; W</li>
 *   <li>COSINE: max(0, ½(1 + cos(π·p))) with p = (t − W) / max(1, T − W) (half a cosine, to 0 at T; like
 *       HF, p is not clamped, so stepping past T rises again)</li>
 *   <li>LINEAR: max(0, (T − t) / max(1, T − W))</li>
 *   <li>CONSTANT: 1</li>
 * </ul>
 * {@link Scheduler} applies it as PyTorch's LambdaLR does: lr = baseLr · factor(t), set at construction
 * for t = 0 and after each {@code step()}.
 */
public record LrSchedule(Kind kind, long warmupSteps, long totalSteps) {
    public enum Kind { COSINE, LINEAR, CONSTANT }

    public LrSchedule {
        if (warmupSteps < 0 || totalSteps < 0) throw new IllegalArgumentException("warmup " + warmupSteps + " and total " + totalSteps + " must be >= 0");
    }

    /**
     * The reference's {@code --num_warmup_steps}: a value ≤ 1 is a fraction of the total update steps
     * (truncated to a whole step count), a larger value an absolute step count.
     */
    public static LrSchedule withWarmup(Kind kind, double warmup, long totalSteps) {
        long w = warmup <= 1 ? (long) (warmup * totalSteps) : (long) warmup;
        return new LrSchedule(kind, w, totalSteps);
    }

    public double factor(long t) {
        if (t < warmupSteps) return (double) t / Math.max(1, warmupSteps);
        double span = Math.max(1, totalSteps - warmupSteps);
        return switch (kind) {
            case COSINE -> Math.max(0, 0.5 * (1 + Math.cos(Math.PI * (t - warmupSteps) / span)));
            case LINEAR -> Math.max(0, (totalSteps - t) / span);
            case CONSTANT -> 1;
        };
    }
}
