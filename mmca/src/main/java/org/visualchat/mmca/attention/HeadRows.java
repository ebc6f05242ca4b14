package org.visualchat.mmca.attention;

import org.visualchat.tensor.DType;
import org.visualchat.tensor.HalfFloats;
import org.visualchat.tensor.Storage;
import org.visualchat.tensor.Tensor;

import java.lang.foreign.MemorySegment;

/**
 * Reads a [B, H, S, D] attention operand into a dense float array. The operands are usually views —
 * v is a transpose of the projection output, and with a KV cache k and v are [B, Hkv, T, D] windows of
 * [B, Hkv, capacity, D] buffers, possibly BF16 — but their head-dim rows are contiguous, so each row is
 * copied (and converted) in one go instead of element by element.
 */
final class HeadRows {
    private HeadRows() {}

    static float[] read(Tensor t) {
        DType type = t.dtype();
        if (t.rank() != 4 || t.stride(3) != 1 || (type != DType.F32 && type != DType.BF16 && type != DType.F16)
                || (type == DType.F32 && t.isContiguous())) {
            return t.toFloatArray();
        }
        int b = t.dim(0), h = t.dim(1), s = t.dim(2), d = t.dim(3);
        float[] out = new float[b * h * s * d];
        MemorySegment seg = t.storage().segment();
        for (int i = 0; i < b; i++) {
            for (int j = 0; j < h; j++) {
                for (int k = 0; k < s; k++) {
                    long from = t.offset() + (long) i * t.stride(0) + (long) j * t.stride(1) + (long) k * t.stride(2);
                    int to = ((i * h + j) * s + k) * d;
                    switch (type) {
                        case F32 -> MemorySegment.copy(seg, Storage.F32, from * 4, out, to, d);
                        case BF16 -> { for (int c = 0; c < d; c++) out[to + c] = HalfFloats.bf16ToFloat(seg.get(Storage.I16, (from + c) * 2)); }
                        default -> { for (int c = 0; c < d; c++) out[to + c] = HalfFloats.f16ToFloat(seg.get(Storage.I16, (from + c) * 2)); }
                    }
                }
            }
        }
        return out;
    }
}
