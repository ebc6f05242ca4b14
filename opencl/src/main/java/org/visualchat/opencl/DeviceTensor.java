package org.visualchat.opencl;

import org.visualchat.tensor.DType;
import org.visualchat.tensor.Shapes;

import java.util.Arrays;

/**
 * A tensor resident on an OpenCL device: shape, dtype and a place in one of the backend's device
 * arenas. Always contiguous and row-major. F32 activations and weights live in the float arena;
 * BF16/F16/Q8_0/Q4_0 weights keep their raw bytes (GGUF block layout, see {@link DType}) in a byte arena
 * and are decoded inside the kernels; I32 ids and positions live in the int arena. Data moves only
 * through {@link OpenClBackend#upload} and {@link OpenClBackend#download}.
 */
public final class DeviceTensor {
    private final OpenClBackend owner;
    private final DType dtype;
    private final int[] shape;
    private final int arena;
    private final int offset;
    private final long serial;

    DeviceTensor(OpenClBackend owner, DType dtype, int[] shape, int arena, int offset, long serial) {
        this.owner = owner;
        this.dtype = dtype;
        this.shape = shape.clone();
        this.arena = arena;
        this.offset = offset;
        this.serial = serial;
    }

    public DType dtype() { return dtype; }
    public int[] shape() { return shape.clone(); }
    public int rank() { return shape.length; }
    public int dim(int d) { return shape[Shapes.dim(d, shape.length)]; }
    public long numel() { return Shapes.numel(shape); }

    /** The same device data under a new shape (one dim may be −1); quantized tensors keep their last dim. */
    public DeviceTensor reshape(int... newShape) {
        int[] s = newShape.clone();
        int infer = -1;
        long known = 1;
        for (int i = 0; i < s.length; i++) {
            if (s[i] == -1 && infer < 0) infer = i;
            else known *= s[i];
        }
        if (infer >= 0 && known > 0) s[infer] = (int) (numel() / known);
        if (Shapes.numel(s) != numel() || (dtype.isQuantized() && s[s.length - 1] != shape[shape.length - 1])) {
            throw new IllegalArgumentException("cannot reshape " + this + " to " + Arrays.toString(newShape));
        }
        return new DeviceTensor(owner, dtype, s, arena, offset, serial);
    }

    /**
     * Rows [start, start + length) of the first dim, no copy (contiguous, so a prefix of the last
     * token's hidden state or one image of a batch is just an offset). Same liveness as this tensor.
     */
    public DeviceTensor slice(int start, int length) {
        if (rank() == 0 || start < 0 || length < 0 || start + length > shape[0]) {
            throw new IllegalArgumentException("cannot slice rows [" + start + ", " + (start + length) + ") of " + this);
        }
        long rowElements = shape[0] == 0 ? 0 : numel() / shape[0];
        long skip = (long) start * rowElements;
        int[] s = shape.clone();
        s[0] = length;
        long at = dtype == DType.F32 || dtype == DType.I32 ? skip : dtype.byteSize(skip);
        return new DeviceTensor(owner, dtype, s, arena, Math.toIntExact(offset + at), serial);
    }

    OpenClBackend owner() { return owner; }
    /** Which byte arena holds a BF16/F16/Q8_0/Q4_0 tensor (0 for F32 and I32 tensors). */
    int arena() { return arena; }
    /** Start in the tensor's arena: elements for the float and int arenas, bytes for a byte arena. */
    int offset() { return offset; }
    long serial() { return serial; }

    @Override
    public String toString() {
        return "DeviceTensor(" + dtype + Arrays.toString(shape) + ")";
    }
}
