package org.visualchat.autograd;

import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;
import java.util.stream.IntStream;
import org.visualchat.tensor.WorkerPool;

/**
 * Data parallelism across the cores of one process. A step's batch is split into shards whose losses add up
 * to the batch's loss; each shard's forward and backward run whole on one thread of the shared
 * {@link WorkerPool} (its ops single-threaded: the pool does not nest), into gradients of its own
 * ({@link LeafGradients}), which are then added to the parameters in shard order. The parameters' gradients
 * therefore have the same bits whatever the thread count and whichever shard finished first.
 *
 * <p>Why not one batch-wide pass with every op split across the threads: for a small model the ops are
 * microseconds long, and the threads meet at every one of them (the demo's 64-wide LLaMA got 1.2× from two
 * cores that way, mmca/docs/demo.md); here they meet once per step. Each shard also pads only to its own
 * longest sequence.
 *
 * <p>Shards start in decreasing order of their estimated {@link Shard#work() work}, each free thread taking the
 * next (the longest-processing-time-first rule, within 4/3 of the best schedule), while their gradients are
 * still added in list order. The demo's LLaMA shards, listed short-long-short-long, left a core idle for 15 % of
 * a step when started in list order (mmca/docs/demo.md).
 *
 * <pre>{@code
 * double loss = ShardedBackward.run(List.of(new Shard(400, () -> lossOf(rows0to3)), new Shard(900, () -> lossOf(rows4to7))));
 * optimizer.step();
 * }</pre>
 */
public final class ShardedBackward {
    private ShardedBackward() {}

    /**
     * One shard: {@code loss} builds its scalar loss; {@code work} (≥ 0) estimates its cost, in any unit common to
     * a step's shards, and only orders their start.
     */
    public record Shard(long work, Supplier<Variable> loss) {
        public Shard {
            if (work < 0) throw new IllegalArgumentException("a shard's work must be >= 0, got " + work);
            Objects.requireNonNull(loss, "loss");
        }

        /** A shard of unknown cost: such shards start in list order. */
        public static Shard of(Supplier<Variable> loss) {
            return new Shard(0, loss);
        }
    }

    /**
     * Builds each shard's scalar loss and backpropagates it, shards in parallel, then adds their gradients to
     * the leaves in list order; returns the sum of the shards' loss values (in list order).
     */
    public static double run(List<Shard> shards) {
        return run(WorkerPool.get(), shards, () -> {});
    }

    /**
     * {@link #run(List)}, and {@code meanwhile} (which must not touch the shards' variables) on the first thread
     * free once every shard has started: a training loop builds its next batch there, in the time the last shard
     * would otherwise leave a core idle. A lone shard runs on the calling thread, its ops split across the pool,
     * and {@code meanwhile} after it.
     */
    public static double run(List<Shard> shards, Runnable meanwhile) {
        return run(WorkerPool.get(), shards, meanwhile);
    }

    /** {@link #run(List, Runnable)} on {@code pool}. */
    public static double run(WorkerPool pool, List<Shard> shards, Runnable meanwhile) {
        int n = shards.size();
        if (n == 1) {
            LeafGradients grads = new LeafGradients();
            double value = backward(shards.getFirst(), grads);
            grads.addToLeaves();
            meanwhile.run();
            return value;
        }
        int[] startOrder = IntStream.range(0, n).boxed()
                .sorted(Comparator.comparingLong((Integer s) -> shards.get(s).work()).reversed())   // stable: ties keep list order
                .mapToInt(Integer::intValue).toArray();
        LeafGradients[] grads = new LeafGradients[n];
        double[] values = new double[n];
        pool.parallelForChunks(n + 1, 1, (start, end) -> {
            for (int i = start; i < end; i++) {
                if (i == n) {
                    meanwhile.run();
                    continue;
                }
                int s = startOrder[i];
                grads[s] = new LeafGradients();
                values[s] = backward(shards.get(s), grads[s]);
            }
        });
        double total = 0;
        for (int s = 0; s < n; s++) {
            grads[s].addToLeaves();
            total += values[s];
        }
        return total;
    }

    /** Builds {@code shard}'s loss and backpropagates it into {@code grads}; returns its value. */
    private static double backward(Shard shard, LeafGradients grads) {
        Variable loss = shard.loss().get();
        double value = loss.value().toFloatArray()[0];
        loss.backward(grads);
        return value;
    }
}
