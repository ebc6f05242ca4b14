package org.visualchat.mmca.bench;

import org.visualchat.tensor.DType;
import org.visualchat.tensor.Tensor;
import org.visualchat.tensor.ops.MatMul;

/**
 * One decode-step product y = W·x to time, W [rows, k] of a weight type. Several copies of W are cycled
 * so that the set of weights touched is larger than the last-level cache: a 2048×5632 BF16 or Q8_0
 * matrix alone fits the 32 MiB L3 here and would measure the cache, not memory.
 */
public final class MatVecWorkload implements Runnable {
    public final String name;
    public final int rows, k;
    public final DType type;
    private final Tensor[] copies;
    private final Tensor x, y;
    private int next;

    /** {@code shape} is NxK (weight rows × in-features); at least {@code workingSetMib} MiB of weights are cycled. */
    public MatVecWorkload(String shape, DType type, int workingSetMib) {
        int[] dims = parseShape(shape);
        this.name = shape.trim();
        this.rows = dims[0];
        this.k = dims[1];
        this.type = type;
        Tensor w = Tensor.uniform(3, -1, 1, rows, k).to(type);
        this.copies = new Tensor[(int) Math.max(1, ((long) workingSetMib << 20) / weightBytes(w))];
        copies[0] = w;
        for (int i = 1; i < copies.length; i++) copies[i] = w.copy();
        this.x = Tensor.uniform(4, -1, 1, 1, k);
        this.y = Tensor.zeros(1, rows);
    }

    /** NxK → {N, K}, or an error showing the expected form. */
    public static int[] parseShape(String shape) {
        return GemmWorkload.parseDims(shape.trim(), 2, "NxK (weight rows x in-features), e.g. 5632x2048");
    }

    private static long weightBytes(Tensor w) {
        return w.storage().byteSize();
    }

    /** Bytes of weights one call streams. */
    public long bytes() {
        return weightBytes(copies[0]);
    }

    public int copies() {
        return copies.length;
    }

    @Override
    public void run() {
        MatMul.linear(x, copies[next], y);
        next = (next + 1) % copies.length;
    }
}
