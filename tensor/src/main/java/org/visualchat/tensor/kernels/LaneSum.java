package org.visualchat.tensor.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * The sum of a float vector's lanes in one fixed order, whatever the JIT does. {@code reduceLanes(ADD)}
 * leaves the order unspecified, and C2 really does add in another order than the interpreter and C1:
 * the same training step then differs in the last bit depending on whether it ran before or after
 * compilation, which breaks bit-identical resume (nn ResumeTest failed about one run in four). Here
 * the halves are folded onto each other (lanes i and i + L/2, then L/4, ...), a pairwise tree whose
 * lane-wise adds are exact IEEE operations in every execution mode.
 */
public final class LaneSum {
    private LaneSum() {}

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

    /** FOLDS[j] moves lane i + L/2^(j+1) to lane i. */
    private static final VectorShuffle<Float>[] FOLDS = folds();

    @SuppressWarnings("unchecked")
    private static VectorShuffle<Float>[] folds() {
        int steps = Integer.numberOfTrailingZeros(F.length());
        VectorShuffle<Float>[] folds = new VectorShuffle[steps];
        for (int j = 0, half = F.length() / 2; j < steps; j++, half /= 2) folds[j] = VectorShuffle.iota(F, half, 1, true);
        return folds;
    }

    /** Σ lanes of {@code v} (a {@code SPECIES_PREFERRED} vector), deterministic across execution modes. */
    public static float sum(FloatVector v) {
        for (VectorShuffle<Float> fold : FOLDS) v = v.add(v.rearrange(fold));
        return v.lane(0);
    }

    /** Lanes 0 … L/2 − 1 of two vectors a, b side by side (FIRST_HALVES), and their upper halves (SECOND_HALVES), for {@code selectFrom(a, b)}. */
    private static final FloatVector FIRST_HALVES = halves(0), SECOND_HALVES = halves(F.length() / 2);

    private static FloatVector halves(int offset) {
        int n = F.length(), half = n / 2;
        float[] index = new float[n];
        for (int i = 0; i < half; i++) {
            index[i] = offset + i;             // from a
            index[half + i] = n + offset + i;  // from b
        }
        return FloatVector.fromArray(F, index, 0);
    }

    /**
     * {@link #sum(FloatVector)} of the two vectors stored at {@code lanes[0 ..]} and {@code lanes[L ..]},
     * bit for bit, with vector folds: the first fold of both at once (lane i of the result is
     * a[i] + a[i + L/2], lane L/2 + i is b[i] + b[i + L/2]), then the remaining folds of both halves
     * together, as the rotations of {@link #sum(FloatVector)} add lane i + h to lane i inside each half
     * for h &lt; L/2. The sums go to lanes[0] and lanes[1]. For kernels that finish two rows at a time:
     * about ten vector operations where two scalar folds take 2·(L − 1) dependent load-add-stores.
     */
    public static void sumTwo(float[] lanes) {
        FloatVector a = FloatVector.fromArray(F, lanes, 0), b = FloatVector.fromArray(F, lanes, F.length());
        FloatVector v = FIRST_HALVES.selectFrom(a, b).add(SECOND_HALVES.selectFrom(a, b));
        for (int j = 1; j < FOLDS.length; j++) v = v.add(v.rearrange(FOLDS[j]));
        v.intoArray(lanes, 0);
        lanes[1] = lanes[F.length() / 2];
    }

    /**
     * {@link #sum(FloatVector)} of the vector stored at {@code lanes[from ..]}, bit for bit, in scalar
     * adds (the same fold: lane i += lane i + h for h = L/2, ..., 1), overwriting those lanes. For
     * kernels that finish several accumulators at once: a vector handed to {@link #sum(FloatVector)}
     * costs C2 many more IR nodes than one store, and a kernel over its node budget boxes its vectors.
     */
    public static float sum(float[] lanes, int from) {
        for (int h = F.length() / 2; h >= 1; h /= 2)
            for (int i = from; i < from + h; i++) lanes[i] = lanes[i] + lanes[i + h];
        return lanes[from];
    }
}
