package org.visualchat.parallel.zero;

import org.visualchat.autograd.Variable;
import org.visualchat.parallel.Split;
import org.visualchat.tensor.DType;
import org.visualchat.tensor.Tensor;

/**
 * One parameter under ZeRO on this rank. Its flattened elements are split over ranks by {@link #split}
 * (exact, uneven); this rank owns [{@link #offset}, {@link #offset} + {@link #count}).
 */
final class Slot {
    final String name;
    final Variable param;
    final int[] shape;
    final DType dtype;
    final boolean trainable;
    final Split split;
    final long offset;
    final long count;
    /** Partitioned parameters only: this rank's slice in the parameter's dtype (the only copy kept between uses). */
    Tensor shard;
    /** Trainable with a non-empty slice: the F32 master slice the inner optimizer updates. */
    Variable master;
    /** Trainable: this rank's slice of the averaged gradient, F32, accumulated over micro-steps. */
    Tensor gradShard;

    Slot(String name, Variable param, int rank, int world) {
        Tensor v = param.value();
        this.name = name;
        this.param = param;
        this.shape = v.shape();
        this.dtype = v.dtype();
        this.trainable = param.requiresGrad();
        if (dtype != DType.F32 && dtype != DType.BF16 && dtype != DType.F16) {
            throw new IllegalArgumentException("ZeRO parameter '" + name + "' has dtype " + dtype + "; only F32, BF16 and F16 parameters can be sharded");
        }
        this.split = Split.balanced(v.numel(), world);
        this.offset = split.offset(rank);
        this.count = split.count(rank);
        if (trainable) {
            this.gradShard = Tensor.zeros(Math.toIntExact(count));
            if (count > 0) this.master = Variable.parameter(flat(v).narrow(0, Math.toIntExact(offset), Math.toIntExact(count)).to(DType.F32));
        }
    }

    long numel() { return split.total(); }

    /** {@code t} (this parameter's shape) as a flat contiguous tensor. */
    static Tensor flat(Tensor t) {
        return t.contiguous().reshape(Math.toIntExact(t.numel()));
    }

    /** This rank's slice of the master in the parameter's dtype (rounded to nearest-even for BF16 and F16). */
    Tensor masterInParamDtype() {
        return master.value().to(dtype);
    }
}
