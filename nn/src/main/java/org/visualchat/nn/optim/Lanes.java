package org.visualchat.nn.optim;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.nio.ByteOrder;

/**
 * Vector API constants of the optimizer kernels. The species lives in a static final field (a species
 * passed around defeats the intrinsics). The kernels use unmasked loads over whole vectors plus a
 * scalar tail: masked MemorySegment loads/stores fell back to the slow Java path here (an AdamW step
 * over 1.8M parameters took ~500 ms masked, ~3-10 ms unmasked, same run conditions).
 */
final class Lanes {
    private Lanes() {}

    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    static final int L = S.length();
    static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
}
