package org.visualchat.nn.optim;

import org.visualchat.autograd.Variable;
import org.visualchat.tensor.DType;
import org.visualchat.tensor.HalfFloats;
import org.visualchat.tensor.Storage;
import org.visualchat.tensor.Tensor;
import org.visualchat.tensor.WorkerPool;

import java.lang.foreign.MemorySegment;

/**
 * The F32 numbers an optimizer updates for one parameter. An F32 parameter is updated in place; a
 * BF16/F16 parameter (mixed precision) keeps an F32 master copy that is updated and then rounded
 * (nearest-even) into the half-precision value, so small updates are never lost to rounding.
 */
final class ParamBuffer {
    private static final int MIN_CHUNK = 1 << 14;

    private final Variable param;
    private final Tensor master;

    ParamBuffer(String name, Variable param, Tensor savedMaster) {
        Tensor v = param.value();
        if (!v.isContiguous() || v.storage().isReadOnly()) {
            throw new IllegalArgumentException("trainable parameter '" + name + "' must be a contiguous, writable tensor (copy memory-mapped weights before training them)");
        }
        if (v.dtype() != DType.F32 && v.dtype() != DType.BF16 && v.dtype() != DType.F16) {
            throw new IllegalArgumentException("trainable parameter '" + name + "' has dtype " + v.dtype() + "; only F32, BF16 and F16 can be trained");
        }
        this.param = param;
        this.master = v.dtype() == DType.F32 ? null : savedMaster != null ? savedMaster : v.to(DType.F32);
    }

    /** The F32 weights to update. */
    MemorySegment weights() {
        return master != null ? master.segment() : param.value().segment();
    }

    /** The F32 master copy, or null for F32 parameters. */
    Tensor master() { return master; }

    /** After an update: rounds the master copy into a half-precision parameter. */
    void publish() {
        if (master == null) return;
        MemorySegment from = master.segment(), to = param.value().segment();
        boolean bf16 = param.value().dtype() == DType.BF16;
        int n = Math.toIntExact(master.numel());
        WorkerPool.get().parallelFor(n, MIN_CHUNK, (start, end) -> {
            for (long i = start; i < end; i++) {
                float x = from.getAtIndex(Storage.F32, i);
                to.setAtIndex(Storage.I16, i, bf16 ? HalfFloats.floatToBf16(x) : HalfFloats.floatToF16(x));
            }
        });
    }

    static MemorySegment f32(Tensor t) {
        return (t.dtype() == DType.F32 ? t.contiguous() : t.to(DType.F32)).segment();
    }
}
