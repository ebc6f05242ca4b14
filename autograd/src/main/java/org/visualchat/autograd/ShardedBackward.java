package org.visualchat.autograd;

import java.util.List;
import java.util.function.Supplier;
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
 * <pre>{@code
 * double loss = ShardedBackward.run(List.of(() -> lossOf(rows0to3), () -> lossOf(rows4to7)));
 * optimizer.step();
 * }</pre>
 */
public final class ShardedBackward {
    private ShardedBackward() {}

    /**
     * Builds each shard's scalar loss and backpropagates it, shards in parallel, then adds their gradients to
     * the leaves in list order; returns the sum of the shards' loss values (in list order).
     */
    public static double run(List<Supplier<Variable>> shards) {
        return run(WorkerPool.get(), shards);
    }

    /** {@link #run(List)} on {@code pool}. */
    public static double run(WorkerPool pool, List<Supplier<Variable>> shards) {
        int n = shards.size();
        LeafGradients[] grads = new LeafGradients[n];
        double[] values = new double[n];
        pool.parallelForChunks(n, 1, (start, end) -> {
            for (int s = start; s < end; s++) {
                Variable loss = shards.get(s).get();
                values[s] = loss.value().toFloatArray()[0];
                grads[s] = new LeafGradients();
                loss.backward(grads[s]);
            }
        });
        double total = 0;
        for (int s = 0; s < n; s++) {
            grads[s].addToLeaves();
            total += values[s];
        }
        return total;
    }
}
