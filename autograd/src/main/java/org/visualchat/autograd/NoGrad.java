package org.visualchat.autograd;

/**
 * A scope in which differentiable ops record nothing: results carry no graph node, so inference pays
 * only for the forward kernels. Scopes nest and are per thread.
 *
 * <pre>{@code
 * try (NoGrad ignored = NoGrad.enter()) {
 *     Variable logits = model.forward(ids);   // no tape, no saved activations
 * }
 * }</pre>
 */
public final class NoGrad implements AutoCloseable {
    // A per-thread depth counter: a plain int[] cell avoids boxing on every op's enabled() check.
    private static final ThreadLocal<int[]> DEPTH = ThreadLocal.withInitial(() -> new int[1]);

    private final int[] depth;
    private boolean closed;

    private NoGrad(int[] depth) {
        this.depth = depth;
    }

    /** Enters a no-grad scope on this thread; close it (try-with-resources) to leave. */
    public static NoGrad enter() {
        int[] d = DEPTH.get();
        d[0]++;
        return new NoGrad(d);
    }

    /** Whether ops on this thread currently record a graph. */
    public static boolean isRecording() {
        return DEPTH.get()[0] == 0;
    }

    /** Turns recording back on for this thread (activation recompute inside backward); returns the depth to restore. */
    static int suspend() {
        int[] d = DEPTH.get();
        int saved = d[0];
        d[0] = 0;
        return saved;
    }

    static void restore(int saved) {
        DEPTH.get()[0] = saved;
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        depth[0]--;
    }
}
