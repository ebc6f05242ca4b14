package org.visualchat.tensor;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * An n-dimensional array: a {@link DType}, a shape, strides and an offset (both in elements) over a
 * {@link Storage}. Views ({@link #reshape}, {@link #transpose}, {@link #permute}, {@link #narrow},
 * {@link #select}, {@link #expand}, {@link #unsqueeze}) share the storage and copy nothing;
 * {@link #contiguous()} copies only when the layout is not already row-major.
 *
 * <p>Block-quantized tensors (Q8_0, Q4_0) are always contiguous, row-major, with a last dimension that
 * is a multiple of 32; their only views are row ranges ({@code narrow} on a leading dimension) and
 * reshapes that keep the last dimension.
 *
 * <pre>{@code
 * Tensor x = Tensor.of(new float[]{1, 2, 3, 4, 5, 6}, 2, 3);
 * Tensor xt = x.transpose(0, 1);          // 3×2 view, no copy
 * float v = xt.get(2, 1);                 // 6
 * }</pre>
 */
public final class Tensor {
    private final Storage storage;
    private final DType dtype;
    private final int[] shape;
    private final int[] strides;
    private final long offset;

    public Tensor(Storage storage, DType dtype, int[] shape, int[] strides, long offset) {
        if (shape.length != strides.length) throw new IllegalArgumentException("shape and strides differ in rank");
        for (int d : shape) if (d < 0) throw new IllegalArgumentException("negative dimension in " + Arrays.toString(shape));
        this.storage = storage;
        this.dtype = dtype;
        this.shape = shape.clone();
        this.strides = strides.clone();
        this.offset = offset;
    }

    // ---------------------------------------------------------------- creation

    /** A zero-filled contiguous tensor. */
    public static Tensor zeros(DType dtype, int... shape) {
        return new Tensor(Storage.allocate(dtype.byteSize(Shapes.numel(shape))), dtype, shape, Shapes.contiguousStrides(shape), 0);
    }

    /**
     * A contiguous tensor with unspecified contents, for an op that writes every element before it is
     * read: no zero fill ({@link Storage#uninitialized}). Use {@link #zeros} when in doubt.
     */
    public static Tensor empty(DType dtype, int... shape) {
        return new Tensor(Storage.uninitialized(dtype.byteSize(Shapes.numel(shape))), dtype, shape, Shapes.contiguousStrides(shape), 0);
    }

    /** An F32 {@link #empty} tensor. */
    public static Tensor empty(int... shape) {
        return empty(DType.F32, shape);
    }

    /** A zero-filled F32 tensor. */
    public static Tensor zeros(int... shape) {
        return zeros(DType.F32, shape);
    }

    /** An F32 tensor holding a copy of {@code data} in row-major order. */
    public static Tensor of(float[] data, int... shape) {
        checkLength(data.length, shape);
        Tensor t = empty(DType.F32, shape);
        MemorySegment.copy(data, 0, t.storage.segment(), Storage.F32, 0, data.length);
        return t;
    }

    /** An I32 tensor holding a copy of {@code data}. */
    public static Tensor ofInts(int[] data, int... shape) {
        checkLength(data.length, shape);
        Tensor t = empty(DType.I32, shape);
        MemorySegment.copy(data, 0, t.storage.segment(), Storage.I32, 0, data.length);
        return t;
    }

    /** An I64 tensor holding a copy of {@code data}. */
    public static Tensor ofLongs(long[] data, int... shape) {
        checkLength(data.length, shape);
        Tensor t = empty(DType.I64, shape);
        MemorySegment.copy(data, 0, t.storage.segment(), Storage.I64, 0, data.length);
        return t;
    }

    /** An F32 scalar (rank 0). */
    public static Tensor scalar(float value) {
        return of(new float[] {value});
    }

    /** An F32 tensor filled with {@code value}. */
    public static Tensor full(float value, int... shape) {
        Tensor t = empty(shape);
        for (long i = 0, n = t.numel(); i < n; i++) t.storage.segment().setAtIndex(Storage.F32, i, value);
        return t;
    }

    /** F32 values drawn uniformly from [lo, hi) with a seeded generator. */
    public static Tensor uniform(long seed, float lo, float hi, int... shape) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[] data = new float[Math.toIntExact(Shapes.numel(shape))];
        for (int i = 0; i < data.length; i++) data[i] = lo + (hi - lo) * (float) rng.nextDouble();
        return of(data, shape);
    }

    /** F32 values from a standard normal distribution scaled by {@code std}, seeded. */
    public static Tensor randn(long seed, float std, int... shape) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[] data = new float[Math.toIntExact(Shapes.numel(shape))];
        for (int i = 0; i < data.length; i++) {
            // Box–Muller; 1 - u keeps the log argument in (0, 1].
            double u = 1.0 - rng.nextDouble(), v = rng.nextDouble();
            data[i] = (float) (std * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v));
        }
        return of(data, shape);
    }

    private static void checkLength(int length, int[] shape) {
        if (length != Shapes.numel(shape)) {
            throw new IllegalArgumentException(length + " values do not fill shape " + Arrays.toString(shape));
        }
    }

    // ---------------------------------------------------------------- metadata

    public Storage storage() { return storage; }
    public DType dtype() { return dtype; }
    public int[] shape() { return shape.clone(); }
    public int[] strides() { return strides.clone(); }
    /** Offset of the first element, in elements from the start of the storage. */
    public long offset() { return offset; }
    public int rank() { return shape.length; }
    public int dim(int d) { return shape[Shapes.dim(d, shape.length)]; }
    public int stride(int d) { return strides[Shapes.dim(d, shape.length)]; }
    public long numel() { return Shapes.numel(shape); }

    /** Bytes from the start of the storage segment to the element at logical index {@code elementOffset}. */
    public long byteOffset(long elementOffset) {
        return dtype.isQuantized() ? dtype.byteSize(elementOffset) : elementOffset * dtype.elementBytes();
    }

    /** The bytes this tensor spans, from its first element; valid to read only when contiguous. */
    public MemorySegment segment() {
        return storage.segment().asSlice(byteOffset(offset), dtype.byteSize(numel()));
    }

    public boolean isContiguous() {
        long expected = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            if (shape[i] != 1 && strides[i] != expected) return false;
            expected *= shape[i];
        }
        return true;
    }

    // ---------------------------------------------------------------- element access (tests, tools; not kernels)

    /** Element offset (from the storage start) of a logical index. */
    public long elementOffset(int... index) {
        if (index.length != shape.length) throw new IllegalArgumentException("index rank " + index.length + " != tensor rank " + shape.length);
        long off = offset;
        for (int i = 0; i < index.length; i++) {
            if (index[i] < 0 || index[i] >= shape[i]) throw new IndexOutOfBoundsException("index " + Arrays.toString(index) + " out of bounds for shape " + Arrays.toString(shape));
            off += (long) index[i] * strides[i];
        }
        return off;
    }

    public float get(int... index) {
        return readFloat(elementOffset(index));
    }

    public void set(float value, int... index) {
        writeFloat(elementOffset(index), value);
    }

    public long getLong(int... index) {
        long off = elementOffset(index);
        MemorySegment s = storage.segment();
        return switch (dtype) {
            case I32 -> s.get(Storage.I32, off * 4);
            case I64 -> s.get(Storage.I64, off * 8);
            default -> (long) readFloat(off);
        };
    }

    public void setLong(long value, int... index) {
        long off = elementOffset(index);
        MemorySegment s = storage.segment();
        switch (dtype) {
            case I32 -> s.set(Storage.I32, off * 4, Math.toIntExact(value));
            case I64 -> s.set(Storage.I64, off * 8, value);
            default -> writeFloat(off, value);
        }
    }

    private float readFloat(long off) {
        MemorySegment s = storage.segment();
        return switch (dtype) {
            case F32 -> s.get(Storage.F32, off * 4);
            case BF16 -> HalfFloats.bf16ToFloat(s.get(Storage.I16, off * 2));
            case F16 -> HalfFloats.f16ToFloat(s.get(Storage.I16, off * 2));
            case I32 -> s.get(Storage.I32, off * 4);
            case I64 -> s.get(Storage.I64, off * 8);
            case Q8_0, Q4_0 -> QuantBlocks.dequantizeOne(dtype, s, off);
        };
    }

    private void writeFloat(long off, float v) {
        if (storage.isReadOnly()) throw new UnsupportedOperationException("tensor storage is read-only (memory-mapped weights)");
        MemorySegment s = storage.segment();
        switch (dtype) {
            case F32 -> s.set(Storage.F32, off * 4, v);
            case BF16 -> s.set(Storage.I16, off * 2, HalfFloats.floatToBf16(v));
            case F16 -> s.set(Storage.I16, off * 2, HalfFloats.floatToF16(v));
            case I32 -> s.set(Storage.I32, off * 4, (int) v);
            case I64 -> s.set(Storage.I64, off * 8, (long) v);
            case Q8_0, Q4_0 -> throw new UnsupportedOperationException(dtype + " tensors are written whole by quantization, not element by element");
        }
    }

    /** All elements in row-major logical order, converted (or dequantized) to float. */
    public float[] toFloatArray() {
        float[] out = new float[Math.toIntExact(numel())];
        if (dtype == DType.F32 && isContiguous()) {
            MemorySegment.copy(storage.segment(), Storage.F32, offset * 4, out, 0, out.length);
            return out;
        }
        int[] idx = new int[shape.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = readFloat(offsetOf(idx));
            increment(idx);
        }
        return out;
    }

    /** All elements as longs (I32/I64 tensors; floats are truncated). */
    public long[] toLongArray() {
        long[] out = new long[Math.toIntExact(numel())];
        int[] idx = new int[shape.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = getLong(idx);
            increment(idx);
        }
        return out;
    }

    private long offsetOf(int[] idx) {
        long off = offset;
        for (int i = 0; i < idx.length; i++) off += (long) idx[i] * strides[i];
        return off;
    }

    private void increment(int[] idx) {
        for (int d = idx.length - 1; d >= 0; d--) {
            if (++idx[d] < shape[d]) return;
            idx[d] = 0;
        }
    }

    // ---------------------------------------------------------------- views

    /** Same elements, new shape (one dim may be -1). A view when contiguous, a copy otherwise. */
    public Tensor reshape(int... newShape) {
        int[] s = resolveReshape(newShape);
        if (dtype.isQuantized() && s[s.length - 1] != shape[shape.length - 1]) {
            throw new IllegalArgumentException(dtype + " tensors can only be reshaped keeping the last dimension " + shape[shape.length - 1]);
        }
        Tensor base = contiguous();
        return new Tensor(base.storage, dtype, s, Shapes.contiguousStrides(s), base.offset);
    }

    private int[] resolveReshape(int[] newShape) {
        int[] s = newShape.clone();
        int infer = -1;
        long known = 1;
        for (int i = 0; i < s.length; i++) {
            if (s[i] == -1) {
                if (infer >= 0) throw new IllegalArgumentException("only one dimension may be -1 in " + Arrays.toString(newShape));
                infer = i;
            } else {
                known *= s[i];
            }
        }
        if (infer >= 0) s[infer] = known == 0 ? 0 : (int) (numel() / known);
        if (Shapes.numel(s) != numel()) {
            throw new IllegalArgumentException("cannot reshape " + Arrays.toString(shape) + " (" + numel() + " elements) to " + Arrays.toString(newShape));
        }
        return s;
    }

    /** Swaps two dimensions (a view). */
    public Tensor transpose(int d0, int d1) {
        int[] perm = new int[shape.length];
        for (int i = 0; i < perm.length; i++) perm[i] = i;
        int a = Shapes.dim(d0, shape.length), b = Shapes.dim(d1, shape.length);
        perm[a] = b;
        perm[b] = a;
        return permute(perm);
    }

    /** Reorders dimensions: result dim i is this tensor's dim {@code perm[i]} (a view). */
    public Tensor permute(int... perm) {
        requirePlainForView("permute");
        if (perm.length != shape.length) throw new IllegalArgumentException("permutation " + Arrays.toString(perm) + " has wrong rank for " + Arrays.toString(shape));
        int[] s = new int[perm.length], st = new int[perm.length];
        boolean[] used = new boolean[perm.length];
        for (int i = 0; i < perm.length; i++) {
            int p = Shapes.dim(perm[i], shape.length);
            if (used[p]) throw new IllegalArgumentException("not a permutation: " + Arrays.toString(perm));
            used[p] = true;
            s[i] = shape[p];
            st[i] = strides[p];
        }
        return new Tensor(storage, dtype, s, st, offset);
    }

    /** Elements {@code [start, start + length)} along {@code dim} (a view). */
    public Tensor narrow(int dim, int start, int length) {
        int d = Shapes.dim(dim, shape.length);
        if (start < 0 || length < 0 || start + length > shape[d]) {
            throw new IndexOutOfBoundsException("narrow(" + dim + ", " + start + ", " + length + ") out of range for shape " + Arrays.toString(shape));
        }
        if (dtype.isQuantized() && d == shape.length - 1 && (start % dtype.blockSize() != 0 || length != shape[d])) {
            throw new IllegalArgumentException(dtype + " tensors can only be narrowed along leading dimensions");
        }
        int[] s = shape.clone();
        s[d] = length;
        return new Tensor(storage, dtype, s, strides, offset + (long) start * strides[d]);
    }

    /** The slice at {@code index} along {@code dim}, with that dimension removed (a view). */
    public Tensor select(int dim, int index) {
        int d = Shapes.dim(dim, shape.length);
        Tensor n = narrow(d, index, 1);
        return n.squeeze(d);
    }

    /** Removes a dimension of size 1 (a view). */
    public Tensor squeeze(int dim) {
        int d = Shapes.dim(dim, shape.length);
        if (shape[d] != 1) throw new IllegalArgumentException("cannot squeeze dimension " + dim + " of size " + shape[d]);
        return new Tensor(storage, dtype, remove(shape, d), remove(strides, d), offset);
    }

    /** Inserts a dimension of size 1 at {@code dim} (a view). */
    public Tensor unsqueeze(int dim) {
        int d = dim < 0 ? dim + shape.length + 1 : dim;
        if (d < 0 || d > shape.length) throw new IllegalArgumentException("unsqueeze dimension " + dim + " out of range for rank " + shape.length);
        int stride = d < shape.length ? strides[d] * shape[d] : 1;
        return new Tensor(storage, dtype, insert(shape, d, 1), insert(strides, d, stride), offset);
    }

    /**
     * Broadcasts to {@code newShape} (NumPy rules: new leading dims, size-1 dims stretched) with stride
     * 0 in the stretched dims (a view; do not write through it).
     */
    public Tensor expand(int... newShape) {
        requirePlainForView("expand");
        if (newShape.length < shape.length) throw new IllegalArgumentException("cannot expand " + Arrays.toString(shape) + " to fewer dims " + Arrays.toString(newShape));
        int lead = newShape.length - shape.length;
        int[] st = new int[newShape.length];
        for (int i = 0; i < newShape.length; i++) {
            if (i < lead) continue;
            int have = shape[i - lead];
            if (have == newShape[i]) st[i] = strides[i - lead];
            else if (have != 1) throw new IllegalArgumentException("cannot expand " + Arrays.toString(shape) + " to " + Arrays.toString(newShape));
        }
        return new Tensor(storage, dtype, newShape, st, offset);
    }

    /** This tensor if already row-major contiguous, otherwise a contiguous copy. */
    public Tensor contiguous() {
        return isContiguous() ? this : copy();
    }

    /** A contiguous copy with fresh storage. */
    public Tensor copy() {
        Tensor out = empty(dtype, shape);
        copyTo(out);
        return out;
    }

    /** This tensor converted to {@code target} (a copy; F32 → BF16/F16 rounds to nearest-even). */
    public Tensor to(DType target) {
        if (target == dtype) return copy();
        if (target.isQuantized()) return QuantBlocks.quantize(contiguous().to(DType.F32), target);
        Tensor out = empty(target, shape);
        copyTo(out);
        return out;
    }

    /** Copies (and converts) every element into {@code dst}, which must have the same shape. */
    public void copyTo(Tensor dst) {
        if (!Arrays.equals(shape, dst.shape)) throw new IllegalArgumentException("copy from " + Arrays.toString(shape) + " into " + Arrays.toString(dst.shape));
        if (dst.storage.isReadOnly()) throw new UnsupportedOperationException("destination storage is read-only");
        if (dtype == dst.dtype && isContiguous() && dst.isContiguous()) {
            MemorySegment.copy(storage.segment(), byteOffset(offset), dst.storage.segment(), dst.byteOffset(dst.offset), dtype.byteSize(numel()));
            return;
        }
        if (dst.dtype.isQuantized()) throw new UnsupportedOperationException("copy into " + dst.dtype + " needs quantization: use to(" + dst.dtype + ")");
        if (dtype == dst.dtype && !dtype.isQuantized() && rank() > 0 && stride(-1) == 1 && dst.stride(-1) == 1) {
            copyRows(dst);
            return;
        }
        boolean integral = !dtype.isFloating() && !dst.dtype.isFloating();
        int[] idx = new int[shape.length];
        for (long i = 0, n = numel(); i < n; i++) {
            long src = offsetOf(idx), to = dst.offsetOf(idx);
            if (integral) {
                long v = dtype == DType.I32 ? storage.segment().get(Storage.I32, src * 4) : storage.segment().get(Storage.I64, src * 8);
                if (dst.dtype == DType.I32) dst.storage.segment().set(Storage.I32, to * 4, Math.toIntExact(v));
                else dst.storage.segment().set(Storage.I64, to * 8, v);
            } else {
                dst.writeFloat(to, readFloat(src));
            }
            increment(idx);
        }
    }

    /**
     * Same dtype, last dimension dense on both sides (transposed heads, narrowed rows, the usual views
     * behind {@code contiguous()}): one bulk copy per innermost row instead of one access per element.
     */
    private void copyRows(Tensor dst) {
        int last = shape.length - 1, rowLength = shape[last];
        long rows = rowLength == 0 ? 0 : numel() / rowLength, rowBytes = dtype.byteSize(rowLength);
        int[] idx = new int[last];
        for (long r = 0; r < rows; r++) {
            long src = offset, to = dst.offset;
            for (int d = 0; d < last; d++) {
                src += (long) idx[d] * strides[d];
                to += (long) idx[d] * dst.strides[d];
            }
            MemorySegment.copy(storage.segment(), byteOffset(src), dst.storage.segment(), dst.byteOffset(to), rowBytes);
            for (int d = last - 1; d >= 0 && ++idx[d] == shape[d]; d--) idx[d] = 0;
        }
    }

    private void requirePlainForView(String op) {
        if (dtype.isQuantized()) throw new UnsupportedOperationException(op + " is not defined for " + dtype + " tensors");
    }

    private static int[] remove(int[] a, int i) {
        int[] r = new int[a.length - 1];
        System.arraycopy(a, 0, r, 0, i);
        System.arraycopy(a, i + 1, r, i, a.length - i - 1);
        return r;
    }

    private static int[] insert(int[] a, int i, int v) {
        int[] r = new int[a.length + 1];
        System.arraycopy(a, 0, r, 0, i);
        r[i] = v;
        System.arraycopy(a, i, r, i + 1, a.length - i);
        return r;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("Tensor(").append(dtype).append(Arrays.toString(shape));
        if (numel() <= 16) sb.append(' ').append(Arrays.toString(toFloatArray()));
        return sb.append(')').toString();
    }
}
