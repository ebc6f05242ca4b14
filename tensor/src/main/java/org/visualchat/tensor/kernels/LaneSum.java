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
