package org.visualchat.opencl;

import com.aparapi.device.OpenCLDevice;
import org.visualchat.tensor.DType;
import org.visualchat.tensor.Shapes;
import org.visualchat.tensor.Tensor;
import org.visualchat.tensor.ops.Rope;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.util.Arrays;

import static org.visualchat.opencl.DeviceProgram.*;

/**
 * The OpenCL backend: tensors resident on one OpenCL device and the ops of the CPU contract
 * ({@code org.visualchat.tensor.ops}) over them, same names, same semantics, F32 results.
 *
 * <pre>{@code
 * try (OpenClBackend gpu = OpenClBackend.open("opencl:0")) {
 *     DeviceTensor w = gpu.upload(weightQ8);          // once; stays on the device
 *     DeviceTensor x = gpu.upload(input);
 *     DeviceTensor y = gpu.silu(gpu.linear(x, w));   // no host traffic
 *     Tensor out = gpu.download(y);
 * }
 * }</pre>
 *
 * Memory is fixed arenas sized at {@link #open(String, Capacity)} (see {@link DeviceProgram} for
 * why); {@link #scope()} frees activations in bulk. Not thread-safe: one backend per thread of work.
 */
public final class OpenClBackend implements AutoCloseable {
    /**
     * Arena sizes: F32 elements, raw weight bytes (BF16/F16/Q8_0/Q4_0; spread over up to four byte arenas
     * of just under 2 GiB, one Java array each, a tensor within one), I32 elements. The float arena is at
     * least {@link #MIN_HEAP_FLOATS} (32 MiB) so that G1 allocates it as a humongous object, which it
     * never moves (except in a last-ditch collection before OutOfMemoryError).
     */
    public record Capacity(int heapFloats, long rawBytes, int ints) {
        public static final int MIN_HEAP_FLOATS = 8 << 20;
        /** Byte arenas and the bytes each holds: a weight tensor must fit one; they fill in order. */
        public static final int RAW_ARENAS = DeviceProgram.RAW_ARENAS, RAW_ARENA_BYTES = DeviceProgram.MAX_RAW_ARENA;
        public static final Capacity DEFAULT = new Capacity(16 << 20, 64 << 20, 1 << 20);
    }

    private final DeviceProgram program;
    private final DeviceLauncher launcher;
    private final DeviceMemory memory;
    private final RopeTables ropeTables = new RopeTables();
    private final DeviceGradients gradients = new DeviceGradients(this);

    private OpenClBackend(OpenCLDevice device, Capacity capacity, int rawArenaBytes) {
        requireG1();
        program = new DeviceProgram(Math.max(capacity.heapFloats(), Capacity.MIN_HEAP_FLOATS), rawArenaSizes(capacity.rawBytes(), rawArenaBytes), capacity.ints());
        launcher = new DeviceLauncher(device, program);
        memory = new DeviceMemory(this, program, launcher);
    }

    /** Byte arena lengths for {@code total} bytes: full arenas of {@code arenaBytes} first, each at least 1. */
    private static int[] rawArenaSizes(long total, int arenaBytes) {
        if (total > (long) Capacity.RAW_ARENAS * arenaBytes) {
            throw new IllegalArgumentException(total + " weight bytes exceed the " + Capacity.RAW_ARENAS + " byte arenas of " + arenaBytes + " bytes each");
        }
        int[] sizes = new int[Capacity.RAW_ARENAS];
        for (int i = 0; i < sizes.length; i++) sizes[i] = (int) Math.max(1, Math.min(arenaBytes, total - (long) i * arenaBytes));
        return sizes;
    }

    /**
     * Aparapi keeps each device buffer tied to a Java array and rebuilds it from host memory whenever
     * the collector moves that array; results computed on the device would be lost. G1 never moves the
     * humongous float arena; Parallel and Serial GC compact the old generation, so they are refused.
     */
    private static void requireG1() {
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            if (gc.getName().startsWith("G1 ")) return;
        }
        throw new IllegalStateException("the OpenCL backend needs the G1 collector (the JVM default; this JVM runs "
                + ManagementFactory.getGarbageCollectorMXBeans().stream().map(GarbageCollectorMXBean::getName).toList()
                + "): other collectors move the arrays Aparapi's device buffers are tied to. Start the JVM with -XX:+UseG1GC");
    }

    /** Opens {@code opencl} (first device) or {@code opencl:N} with the default capacity. */
    public static OpenClBackend open(String device) {
        return open(device, Capacity.DEFAULT);
    }

    public static OpenClBackend open(String device, Capacity capacity) {
        return open(device, capacity, Capacity.RAW_ARENA_BYTES);
    }

    /** With byte arenas of {@code rawArenaBytes} each: small ones let tests put weights in several arenas. */
    static OpenClBackend open(String device, Capacity capacity, int rawArenaBytes) {
        return new OpenClBackend(OpenClDevices.select(device), capacity, rawArenaBytes);
    }

    public String deviceDescription() {
        return OpenClDevices.describe(launcher.device());
    }

    public TransferStats transfers() { return memory.stats(); }

    /** The backward ops (training through frozen weights) over this backend's tensors. */
    public DeviceGradients gradients() { return gradients; }

    DeviceLauncher launcher() { return launcher; }

    /** Whether the device program is bound to the OpenCL device (false would mean Aparapi's Java fallback). */
    public boolean ranOnOpenCl() { return program.isRunningCL(); }

    /** Frees the device program and its buffers. */
    @Override
    public void close() {
        program.dispose();
    }

    // ------------------------------------------------------------------ memory

    /** Everything allocated after this call is released by {@link Scope#close()}. */
    public Scope scope() {
        return new Scope(memory.mark());
    }

    /** Releases, when closed, the device tensors allocated since it was opened (not thread-safe). */
    public static final class Scope implements AutoCloseable {
        private final Runnable release;

        private Scope(Runnable release) { this.release = release; }

        @Override
        public void close() { release.run(); }
    }

    /**
     * Copies a host tensor (any view) to the device: F32 into the float arena, BF16/F16/Q8_0/Q4_0 as their
     * raw bytes (weights for {@link #linear} and {@link #embedding}), I32/I64 as I32 (ids, positions).
     */
    public DeviceTensor upload(Tensor t) {
        return memory.upload(t);
    }

    /**
     * An F32 device tensor whose contents are undefined until written (e.g. a KV cache filled by
     * {@link #writeSlice} before it is read); no transfer.
     */
    public DeviceTensor allocate(int... shape) {
        for (int d : shape) if (d < 0) throw new IllegalArgumentException("negative dim in " + Arrays.toString(shape));
        return newF32(shape);
    }

    /** Copies an F32 device tensor back to the host. */
    public Tensor download(DeviceTensor t) {
        requireF32(t, "download");
        return memory.download(t);
    }

    boolean isLive(DeviceTensor t) {
        return memory.isLive(t);
    }

    DeviceTensor newF32(int... shape) {
        return memory.allocate(DType.F32, shape);
    }

    void requireLive(DeviceTensor t, String op) {
        if (t.owner() != this) throw new IllegalArgumentException(op + ": " + t + " belongs to another OpenCL backend");
        if (!memory.isLive(t)) throw new IllegalStateException(op + ": " + t + " was released when its scope closed");
    }

    void requireF32(DeviceTensor t, String op) {
        requireLive(t, op);
        if (t.dtype() != DType.F32) throw new IllegalArgumentException(op + " needs an F32 device tensor, got " + t);
    }

    // ------------------------------------------------------------------ matrix products

    /** A [..., M, K] · B [..., K, N]; batch dims equal, or one side rank 2 (shared). */
    public DeviceTensor matmul(DeviceTensor a, DeviceTensor b) {
        requireF32(a, "matmul");
        requireF32(b, "matmul");
        if (a.rank() < 2 || b.rank() < 2 || a.dim(-1) != b.dim(-2)) throw new IllegalArgumentException("matmul shapes do not chain: " + a + " · " + b);
        int m = a.dim(-2), k = a.dim(-1), n = b.dim(-1);
        int[] aBatch = Arrays.copyOf(a.shape(), a.rank() - 2), bBatch = Arrays.copyOf(b.shape(), b.rank() - 2);
        int[] batch = aBatch.length >= bBatch.length ? aBatch : bBatch;
        if (aBatch.length > 0 && bBatch.length > 0 && !Arrays.equals(aBatch, bBatch)) {
            throw new IllegalArgumentException("matmul on OpenCL needs equal batch dims or a rank-2 operand: " + a + " · " + b);
        }
        int batches = (int) Shapes.numel(batch);
        int[] outShape = Arrays.copyOf(batch, batch.length + 2);
        outShape[batch.length] = m;
        outShape[batch.length + 1] = n;
        DeviceTensor c = newF32(outShape);
        launcher.matmul(new DeviceLauncher.Operand(a.offset(), k, 1, aBatch.length > 0 ? m * k : 0, 0, 1),
                new DeviceLauncher.Operand(b.offset(), n, 1, bBatch.length > 0 ? k * n : 0, 0, 1),
                c.offset(), m, n, k, batches, 1, 1f);
        return c;
    }

    /** x [..., K] · Wᵀ for W [N, K] in F32 (tiled matmul) or BF16/F16/Q8_0/Q4_0 (fused dequantize). */
    public DeviceTensor linear(DeviceTensor x, DeviceTensor w) {
        requireF32(x, "linear");
        requireLive(w, "linear");
        if (w.rank() != 2 || x.dim(-1) != w.dim(1)) throw new IllegalArgumentException("linear needs x [..., K] and W [N, K], got " + x + " and " + w);
        int k = w.dim(1), n = w.dim(0), rows = (int) (x.numel() / k);
        int[] outShape = x.shape();
        outShape[outShape.length - 1] = n;
        DeviceTensor y = newF32(outShape);
        if (w.dtype() == DType.F32) {
            launcher.matmul(new DeviceLauncher.Operand(x.offset(), k, 1, 0, 0, 1),
                    new DeviceLauncher.Operand(w.offset(), 1, k, 0, 0, 1), y.offset(), rows, n, k, 1, 1, 1f);
        } else {
            launcher.linearRaw(x.offset(), w.arena(), w.offset(), weightCode(w), y.offset(), rows, n, k);
        }
        return y;
    }

    static int weightCode(DeviceTensor w) {
        return switch (w.dtype()) {
            case F32 -> W_F32;
            case BF16 -> W_BF16;
            case F16 -> W_F16;
            case Q8_0 -> W_Q8_0;
            case Q4_0 -> W_Q4_0;
            default -> throw new IllegalArgumentException("not a weight dtype: " + w);
        };
    }

    // ------------------------------------------------------------------ elementwise

    public DeviceTensor add(DeviceTensor a, DeviceTensor b) { return binary(BIN_ADD, a, b); }
    public DeviceTensor sub(DeviceTensor a, DeviceTensor b) { return binary(BIN_SUB, a, b); }
    public DeviceTensor mul(DeviceTensor a, DeviceTensor b) { return binary(BIN_MUL, a, b); }
    public DeviceTensor div(DeviceTensor a, DeviceTensor b) { return binary(BIN_DIV, a, b); }
    public DeviceTensor maximum(DeviceTensor a, DeviceTensor b) { return binary(BIN_MAX, a, b); }
    public DeviceTensor minimum(DeviceTensor a, DeviceTensor b) { return binary(BIN_MIN, a, b); }

    /** NumPy broadcasting, up to rank 4. */
    DeviceTensor binary(int op, DeviceTensor a, DeviceTensor b) {
        requireF32(a, "elementwise op");
        requireF32(b, "elementwise op");
        int[] out = Shapes.broadcast(a.shape(), b.shape());
        DeviceTensor c = newF32(out);
        if (c.numel() > 0) {
            launcher.binary(op, a.offset(), broadcastStrides(a.shape(), out), b.offset(), broadcastStrides(b.shape(), out),
                    c.offset(), broadcastStrides(out, out), padTo4(out));
        }
        return c;
    }

    /** A contiguous copy of x with dims d0 and d1 swapped (rank ≤ 4), e.g. [B, S, H, D] → [B, H, S, D]. */
    public DeviceTensor transpose(DeviceTensor x, int d0, int d1) {
        requireF32(x, "transpose");
        int rank = x.rank(), a = Shapes.dim(d0, rank), b = Shapes.dim(d1, rank);
        int[] shape = x.shape(), strides = broadcastStrides(shape, shape);
        int[] outShape = shape.clone();
        outShape[a] = shape[b];
        outShape[b] = shape[a];
        int pad = 4 - rank;
        int[] readStrides = strides.clone();
        readStrides[pad + a] = strides[pad + b];
        readStrides[pad + b] = strides[pad + a];
        DeviceTensor y = newF32(outShape);
        if (y.numel() > 0) launcher.binary(BIN_FIRST, x.offset(), readStrides, x.offset(), new int[4], y.offset(), broadcastStrides(outShape, outShape), padTo4(outShape));
        return y;
    }

    /**
     * Writes src into dst's slice {@code [start, start + src.dim(dim))} along {@code dim}, in place (rank
     * ≤ 4): appending a step's keys and values to a device KV cache, or assembling a concatenation.
     */
    public void writeSlice(DeviceTensor dst, int dim, int start, DeviceTensor src) {
        requireF32(dst, "writeSlice");
        requireF32(src, "writeSlice");
        int rank = dst.rank(), d = Shapes.dim(dim, rank);
        int[] expected = dst.shape();
        expected[d] = src.dim(d);
        if (src.rank() != rank || !Arrays.equals(expected, src.shape()) || start < 0 || start + src.dim(d) > dst.dim(d)) {
            throw new IllegalArgumentException("writeSlice: " + src + " does not fit " + dst + " at " + start + " along dim " + dim);
        }
        int[] dstStrides = broadcastStrides(dst.shape(), dst.shape());
        int base = dst.offset() + start * dstStrides[4 - rank + d];
        if (src.numel() > 0) {
            launcher.binary(BIN_FIRST, src.offset(), broadcastStrides(src.shape(), src.shape()), src.offset(), new int[4],
                    base, dstStrides, padTo4(src.shape()));
        }
    }

    public DeviceTensor add(DeviceTensor a, float s) { return unary(UN_ADD_SCALAR, s, a); }
    public DeviceTensor mul(DeviceTensor a, float s) { return unary(UN_MUL_SCALAR, s, a); }
    public DeviceTensor pow(DeviceTensor a, float p) { return unary(UN_POW, p, a); }
    public DeviceTensor exp(DeviceTensor x) { return unary(UN_EXP, 0, x); }
    public DeviceTensor log(DeviceTensor x) { return unary(UN_LOG, 0, x); }
    public DeviceTensor sqrt(DeviceTensor x) { return unary(UN_SQRT, 0, x); }
    public DeviceTensor rsqrt(DeviceTensor x) { return unary(UN_RSQRT, 0, x); }
    public DeviceTensor tanh(DeviceTensor x) { return unary(UN_TANH, 0, x); }
    public DeviceTensor sigmoid(DeviceTensor x) { return unary(UN_SIGMOID, 0, x); }
    public DeviceTensor silu(DeviceTensor x) { return unary(UN_SILU, 0, x); }
    public DeviceTensor relu(DeviceTensor x) { return unary(UN_RELU, 0, x); }
    public DeviceTensor neg(DeviceTensor x) { return unary(UN_NEG, 0, x); }
    public DeviceTensor abs(DeviceTensor x) { return unary(UN_ABS, 0, x); }
    public DeviceTensor square(DeviceTensor x) { return unary(UN_SQUARE, 0, x); }
    /** Exact erf form 0.5·x·(1 + erf(x/√2)). */
    public DeviceTensor gelu(DeviceTensor x) { return unary(UN_GELU, 0, x); }
    public DeviceTensor geluTanh(DeviceTensor x) { return unary(UN_GELU_TANH, 0, x); }
    /** x·sigmoid(1.702·x) (CLIP). */
    public DeviceTensor quickGelu(DeviceTensor x) { return unary(UN_QUICK_GELU, 0, x); }

    private DeviceTensor unary(int op, float param, DeviceTensor x) {
        requireF32(x, "elementwise op");
        DeviceTensor y = newF32(x.shape());
        if (y.numel() > 0) launcher.unary(op, param, x.offset(), y.offset(), (int) x.numel());
        return y;
    }

    // ------------------------------------------------------------------ softmax, norms

    /** Softmax over the last dim (rank ≤ 4). */
    public DeviceTensor softmax(DeviceTensor x) {
        return softmax(x, 1f, null, null);
    }

    /** softmax(x + mask), mask broadcast to x and may hold −∞; an all −∞ row gives zeros. */
    public DeviceTensor softmax(DeviceTensor x, DeviceTensor additiveMask) {
        return softmax(x, 1f, additiveMask, null);
    }

    /**
     * MMCA's two-branch softmax: softmax(x + maskA) + softmax(x + maskB) per row (rows sum to 2 where
     * both branches see a key). Strict semantics: a branch with no visible key (row all −∞) adds zero.
     */
    public DeviceTensor softmaxTwoBranch(DeviceTensor x, DeviceTensor maskA, DeviceTensor maskB) {
        return softmax(x, 1f, maskA, maskB);
    }

    private DeviceTensor softmax(DeviceTensor x, float scale, DeviceTensor maskA, DeviceTensor maskB) {
        requireF32(x, "softmax");
        if (x.rank() < 1 || x.rank() > 4) throw new IllegalArgumentException("softmax on OpenCL takes rank 1..4, got " + x);
        DeviceTensor y = newF32(x.shape());
        if (y.numel() > 0) {
            int[] dims = padTo4(x.shape());
            launcher.softmax(x.offset(), y.offset(), dims, dims[3], scale, mask(maskA, x), mask(maskB, x));
        }
        return y;
    }

    DeviceLauncher.Mask mask(DeviceTensor mask, DeviceTensor x) {
        if (mask == null) return null;
        requireF32(mask, "softmax mask");
        int[] broadcast = Shapes.broadcast(mask.shape(), x.shape());
        if (!Arrays.equals(broadcast, x.shape())) throw new IllegalArgumentException("mask " + mask + " does not broadcast to " + x);
        return new DeviceLauncher.Mask(mask.offset(), broadcastStrides(mask.shape(), x.shape()));
    }

    /** HF LlamaRMSNorm over the last dim: x·rsqrt(mean(x²) + eps)·weight (weight may be null). */
    public DeviceTensor rmsNorm(DeviceTensor x, DeviceTensor weight, float eps) {
        return norm(NORM_RMS, x, weight, null, eps);
    }

    /** LayerNorm over the last dim (biased variance); weight and bias may be null. */
    public DeviceTensor layerNorm(DeviceTensor x, DeviceTensor weight, DeviceTensor bias, float eps) {
        return norm(NORM_LAYER, x, weight, bias, eps);
    }

    private DeviceTensor norm(int kind, DeviceTensor x, DeviceTensor weight, DeviceTensor bias, float eps) {
        requireF32(x, "norm");
        int cols = x.dim(-1);
        for (DeviceTensor p : new DeviceTensor[] {weight, bias}) {
            if (p == null) continue;
            requireF32(p, "norm");
            if (p.numel() != cols) throw new IllegalArgumentException("norm parameter " + p + " does not match the last dim of " + x);
        }
        DeviceTensor y = newF32(x.shape());
        if (y.numel() > 0) {
            launcher.norm(kind, x.offset(), y.offset(), (int) (x.numel() / cols), cols,
                    weight == null ? -1 : weight.offset(), bias == null ? -1 : bias.offset(), eps);
        }
        return y;
    }

    // ------------------------------------------------------------------ rope, embedding

    /**
     * Rotary embedding of x [B, H, S, D] at host positions (I32/I64 [S] shared, or [B, S]); pair i at
     * position p turns by p·θ^(−2i/D) (cos/sin from a device table, see {@link RopeTables}).
     */
    public DeviceTensor rope(DeviceTensor x, Tensor positions, float theta, Rope.Layout layout) {
        return rope(x, positions(positions), theta, layout);
    }

    /**
     * Positions uploaded once for several {@link #rope} calls (every layer's q and k of one step), with
     * their maximum checked on the host so the kernel never reads past the cos/sin table.
     */
    public static final class Positions {
        private final DeviceTensor ids;
        private final long max;

        private Positions(DeviceTensor ids, long max) {
            this.ids = ids;
            this.max = max;
        }

        public DeviceTensor ids() { return ids; }

        public long max() { return max; }
    }

    /** Uploads rope positions (I32/I64 [S] shared by the batch, or [B, S]), checked non-negative. */
    public Positions positions(Tensor positions) {
        if (positions.dtype().isFloating() || positions.rank() < 1 || positions.rank() > 2) {
            throw new IllegalArgumentException("rope positions must be I32/I64 [S] or [B, S], got " + positions);
        }
        long max = 0;
        for (long p : positions.toLongArray()) {
            if (p < 0) throw new IllegalArgumentException("rope position " + p + " is negative");
            max = Math.max(max, p);
        }
        return new Positions(upload(positions), max);
    }

    /**
     * Builds the cos/sin table for positions up to {@code maxPosition} now, so that rope calls inside
     * later scopes find it resident (a table first built inside a scope dies with it and is uploaded again).
     */
    public void reserveRope(float theta, int headDim, long maxPosition) {
        ropeTables.get(this, theta, headDim, maxPosition);
    }

    /** As {@link #rope(DeviceTensor, Tensor, float, Rope.Layout)} with positions already on the device. */
    public DeviceTensor rope(DeviceTensor x, Positions positions, float theta, Rope.Layout layout) {
        return rope(x, positions, theta, layout, 1f);
    }

    /** direction 1 rotates by +angle (forward); −1 by −angle, the transpose of the rotation (its backward). */
    DeviceTensor rope(DeviceTensor x, Positions positions, float theta, Rope.Layout layout, float direction) {
        requireF32(x, "rope");
        requireLive(positions.ids(), "rope");
        if (x.rank() != 4 || x.dim(3) % 2 != 0) throw new IllegalArgumentException("rope needs x [B, H, S, D] with even D, got " + x);
        int b = x.dim(0), h = x.dim(1), s = x.dim(2), d = x.dim(3);
        DeviceTensor pos = positions.ids();
        boolean shared = pos.rank() == 1 && pos.dim(0) == s;
        boolean perBatch = pos.rank() == 2 && pos.dim(0) == b && pos.dim(1) == s;
        if (!(shared || perBatch)) throw new IllegalArgumentException("rope positions must be [" + s + "] or [" + b + ", " + s + "], got " + pos);
        RopeTables.Table table = ropeTables.get(this, theta, d, positions.max());
        DeviceTensor y = newF32(x.shape());
        if (y.numel() > 0) {
            launcher.rope(layout == Rope.Layout.HALF ? ROPE_HALF : ROPE_INTERLEAVED, direction, x.offset(), y.offset(), b, h, s, d,
                    pos.offset(), shared ? 0 : s, table.cos().offset(), table.sin().offset());
        }
        return y;
    }

    /** Rows of table [V, D] (F32 or raw BF16/F16/Q8_0/Q4_0) for host ids (I32/I64, any shape) → F32 [...ids, D]. */
    public DeviceTensor embedding(DeviceTensor table, Tensor ids) {
        requireLive(table, "embedding");
        if (table.rank() != 2) throw new IllegalArgumentException("embedding table must be [V, D], got " + table);
        long[] values = ids.toLongArray();
        for (int i = 0; i < values.length; i++) {
            if (values[i] < 0 || values[i] >= table.dim(0)) {
                throw new IllegalArgumentException("token id " + values[i] + " at position " + i + " is outside the embedding table [0, " + table.dim(0) + ")");
            }
        }
        DeviceTensor deviceIds = upload(ids);
        int[] outShape = Arrays.copyOf(ids.shape(), ids.rank() + 1);
        outShape[ids.rank()] = table.dim(1);
        DeviceTensor y = newF32(outShape);
        if (y.numel() > 0) launcher.embedding(table.arena(), table.offset(), weightCode(table), deviceIds.offset(), values.length, table.dim(1), y.offset());
        return y;
    }

    // ------------------------------------------------------------------ attention

    /**
     * softmax(q·kᵀ/√D + mask)·v for q [B, H, S, D], k and v [B, Hkv, T, D] with H a multiple of Hkv
     * (grouped-query heads share a K/V head, read in place). mask: additive, broadcast to [B, H, S, T],
     * or null.
     */
    public DeviceTensor attention(DeviceTensor q, DeviceTensor k, DeviceTensor v, DeviceTensor mask) {
        return attention(q, k, v, mask, null);
    }

    /**
     * MMCA attention (deepspeed-visualchat.md §2.2): (softmax(S + M_img) + softmax(S + M_txt))·v with
     * S = q·kᵀ/√D; the strict empty-branch rule of {@link #softmaxTwoBranch}.
     */
    public DeviceTensor mmcaAttention(DeviceTensor q, DeviceTensor k, DeviceTensor v, DeviceTensor imageMask, DeviceTensor textMask) {
        if (imageMask == null || textMask == null) throw new IllegalArgumentException("mmcaAttention needs both the image and the text mask");
        return attention(q, k, v, imageMask, textMask);
    }

    /**
     * Attention over a KV cache: as {@link #attention(DeviceTensor, DeviceTensor, DeviceTensor, DeviceTensor)}
     * with keys and values the first {@code length} positions of k, v [B, Hkv, capacity, D], read in
     * place (the cache is never narrowed by a copy). mask, if any, broadcasts to [B, H, S, length].
     */
    public DeviceTensor attention(DeviceTensor q, DeviceTensor k, DeviceTensor v, int length, DeviceTensor mask) {
        requireCachedLength(k, length);
        return attention(q, k, v, length, mask, null);
    }

    /** MMCA attention over a KV cache: the first {@code length} positions of k, v [B, Hkv, capacity, D], read in place. */
    public DeviceTensor mmcaAttention(DeviceTensor q, DeviceTensor k, DeviceTensor v, int length, DeviceTensor imageMask, DeviceTensor textMask) {
        if (imageMask == null || textMask == null) throw new IllegalArgumentException("mmcaAttention needs both the image and the text mask");
        requireCachedLength(k, length);
        return attention(q, k, v, length, imageMask, textMask);
    }

    private static void requireCachedLength(DeviceTensor k, int length) {
        if (k.rank() != 4 || length < 1 || length > k.dim(2)) {
            throw new IllegalArgumentException("cached attention over " + length + " positions needs k [B, Hkv, capacity >= " + length + ", D], got " + k);
        }
    }

    private DeviceTensor attention(DeviceTensor q, DeviceTensor k, DeviceTensor v, DeviceTensor maskA, DeviceTensor maskB) {
        return attention(q, k, v, k.rank() == 4 ? k.dim(2) : 0, maskA, maskB);
    }

    /** Keys/values are positions [0, t) of k, v, whose third dim (the per-head row count) may be larger. */
    private DeviceTensor attention(DeviceTensor q, DeviceTensor k, DeviceTensor v, int t, DeviceTensor maskA, DeviceTensor maskB) {
        for (DeviceTensor x : new DeviceTensor[] {q, k, v}) requireF32(x, "attention");
        if (q.rank() != 4 || k.rank() != 4 || !Arrays.equals(k.shape(), v.shape()) || q.dim(0) != k.dim(0) || q.dim(3) != k.dim(3)
                || k.dim(1) == 0 || q.dim(1) % k.dim(1) != 0) {
            throw new IllegalArgumentException("attention needs q [B, H, S, D], k = v [B, Hkv, T, D], H a multiple of Hkv; got " + q + ", " + k + ", " + v);
        }
        int b = q.dim(0), h = q.dim(1), s = q.dim(2), d = q.dim(3), hkv = k.dim(1), rows = k.dim(2), group = h / hkv;
        DeviceTensor scores = newF32(b, h, s, t);
        launcher.matmul(new DeviceLauncher.Operand(q.offset(), d, 1, h * s * d, s * d, 1),
                new DeviceLauncher.Operand(k.offset(), 1, d, hkv * rows * d, rows * d, group),
                scores.offset(), s, t, d, b, h, (float) (1 / Math.sqrt(d)));
        DeviceTensor p = softmax(scores, 1f, maskA, maskB);
        DeviceTensor out = newF32(b, h, s, d);
        launcher.matmul(new DeviceLauncher.Operand(p.offset(), t, 1, h * s * t, s * t, 1),
                new DeviceLauncher.Operand(v.offset(), d, 1, hkv * rows * d, rows * d, group),
                out.offset(), s, d, t, b, h, 1f);
        return out;
    }

    // ------------------------------------------------------------------ shape helpers

    /** Strides of a contiguous tensor of {@code shape} read as {@code out} (0 where broadcast), padded to 4 dims. */
    private static int[] broadcastStrides(int[] shape, int[] out) {
        if (out.length > 4) throw new IllegalArgumentException("the OpenCL elementwise kernels take rank ≤ 4, got " + Arrays.toString(out));
        int[] strides = new int[4];
        int stride = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            int o = 4 - (shape.length - i);
            strides[o] = shape[i] == 1 ? 0 : stride;
            stride *= shape[i];
        }
        return strides;
    }

    static int[] padTo4(int[] shape) {
        if (shape.length > 4) throw new IllegalArgumentException("the OpenCL kernels take rank ≤ 4, got " + Arrays.toString(shape));
        int[] dims = {1, 1, 1, 1};
        System.arraycopy(shape, 0, dims, 4 - shape.length, shape.length);
        return dims;
    }
}
