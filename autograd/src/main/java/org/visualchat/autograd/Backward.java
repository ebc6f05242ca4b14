package org.visualchat.autograd;

import org.visualchat.tensor.Tensor;

/**
 * The backward rule of one recorded op: given dLoss/dOutput, returns dLoss/dInput for each input in
 * the order the op was recorded with (an entry may be null when that input needs no gradient).
 * Returned tensors must have exactly the input's shape; they may be views of {@code gradOutput}.
 */
@FunctionalInterface
public interface Backward {
    Tensor[] apply(Tensor gradOutput);
}
