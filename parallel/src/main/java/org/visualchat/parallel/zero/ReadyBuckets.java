package org.visualchat.parallel.zero;

import java.util.Arrays;
import java.util.List;
import java.util.function.IntConsumer;
import org.visualchat.autograd.Variable;

/**
 * DeepSpeed's {@code overlap_comm} (distributed.md §1.5): gradient buckets are handed to the communication
 * thread during backward, as soon as every parameter in them has its final gradient
 * ({@link Variable#onGradientReady}), while backward goes on through earlier layers.
 *
 * <p>Buckets launch strictly in index order, whatever order they complete in: a bucket that completes early
 * waits for its predecessors. Every rank therefore issues the same sequence of collectives even when a
 * parameter is unused on some ranks (its bucket, and the ones after it, then launch from {@link #finish()}),
 * which the process group requires. Callers order buckets as gradients usually arrive: last layer first.
 */
final class ReadyBuckets {
    private final int[] size;
    private final int[] ready;
    private final IntConsumer launch;
    private int next;
    private boolean armed;

    /** Hooks every parameter of {@code buckets}; {@code launch.accept(i)} starts bucket i's reduction. */
    ReadyBuckets(List<? extends List<Variable>> buckets, IntConsumer launch) {
        this.size = new int[buckets.size()];
        this.ready = new int[buckets.size()];
        this.launch = launch;
        for (int i = 0; i < buckets.size(); i++) {
            int bucket = i;
            size[i] = buckets.get(i).size();
            for (Variable p : buckets.get(i)) p.onGradientReady(v -> completed(bucket));
        }
    }

    /** The next backward pass reduces: launch buckets as they complete. */
    void arm() {
        Arrays.fill(ready, 0);
        next = 0;
        armed = true;
    }

    boolean armed() { return armed; }

    private void completed(int bucket) {
        if (!armed) return;
        ready[bucket]++;
        while (next < size.length && ready[next] == size[next]) launch.accept(next++);
    }

    /** After backward: launches, in order, the buckets it left incomplete (parameters the graph did not reach). */
    void finish() {
        if (!armed) return;
        while (next < size.length) launch.accept(next++);
        armed = false;
    }
}
