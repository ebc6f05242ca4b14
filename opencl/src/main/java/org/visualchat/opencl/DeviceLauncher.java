package org.visualchat.opencl;

import com.aparapi.Range;
import com.aparapi.device.OpenCLDevice;
import com.aparapi.internal.kernel.KernelManager;

import java.util.LinkedHashSet;
import java.util.List;

import static org.visualchat.opencl.DeviceProgram.*;

/**
 * Host side of {@link DeviceProgram}: sets one op's parameter fields, picks its NDRange and runs it,
 * then insists it really ran on OpenCL (Aparapi otherwise falls back to Java threads without a word).
 * Offsets are arena offsets; shapes were checked by {@link OpenClBackend}.
 */
final class DeviceLauncher {
    private final OpenCLDevice device;
    private final DeviceProgram program;

    DeviceLauncher(OpenCLDevice device, DeviceProgram program) {
        this.device = device;
        this.program = program;
        // Aparapi assumes host-shared memory unless told otherwise and would then build buffers with
        // CL_MEM_USE_HOST_PTR over Java arrays the GC may move; a real device buffer is what we want.
        device.setSharedMemory(false);
        KernelManager.instance().setPreferredDevices(program, new LinkedHashSet<>(List.of(device)));
    }

    OpenCLDevice device() { return device; }

    // ------------------------------------------------------------------ transfers
    void armCanary() {
        program.op = OP_CANARY;
        run1D(1, ROW_GROUP, "canary");
    }

    /** A fresh staging array is a fresh Aparapi buffer, created by copying exactly these values. */
    void copyIn(float[] values, int dst) {
        if (values.length == 0) return;   // OpenCL has no zero-byte buffers, and nothing needs copying
        program.upF = values;
        copyInOp(OP_COPY_IN_F, values.length, dst);
    }

    /** Into byte arena {@code arena} (passed in {@code sub}, which the copy ops do not otherwise use). */
    void copyIn(byte[] values, int arena, int dst) {
        if (values.length == 0) return;   // OpenCL has no zero-byte buffers, and nothing needs copying
        program.upB = values;
        program.sub = arena;
        copyInOp(OP_COPY_IN_B, values.length, dst);
    }

    void copyIn(int[] values, int dst) {
        if (values.length == 0) return;   // OpenCL has no zero-byte buffers, and nothing needs copying
        program.upI = values;
        copyInOp(OP_COPY_IN_I, values.length, dst);
    }

    private void copyInOp(int op, int count, int dst) {
        program.op = op;
        program.n = count;
        program.dst = dst;
        run1D(count, ROW_GROUP, "upload");
    }

    /** Copies n floats at src out of the device; element n of the result is the device's canary. */
    float[] copyOut(int src, int count) {
        if (program.dlF.length != count + 1) program.dlF = new float[count + 1];
        program.op = OP_COPY_OUT_F;
        program.src = src;
        program.n = count;
        run1D(count + 1, ROW_GROUP, "download");
        program.get(program.dlF);
        return program.dlF;
    }

    // ------------------------------------------------------------------ compute
    record Operand(int offset, int rowStride, int colStride, int outerStride, int innerStride, int group) {}

    void matmul(Operand a, Operand b, int dst, int m, int n, int k, int batchOuter, int batchInner, float alpha) {
        if ((long) m * n * batchOuter * batchInner == 0) return;   // empty result: nothing to launch
        DeviceProgram p = program;
        p.op = OP_MATMUL;
        p.mmM = m; p.mmN = n; p.mmK = k; p.batchInner = batchInner; p.alpha = alpha; p.dst = dst;
        p.aOff = a.offset; p.aRS = a.rowStride; p.aCS = a.colStride; p.aOuter = a.outerStride; p.aInner = a.innerStride; p.aGroup = a.group;
        p.bOff = b.offset; p.bRS = b.rowStride; p.bCS = b.colStride; p.bOuter = b.outerStride; p.bInner = b.innerStride; p.bGroup = b.group;
        int gx = ceil(n, TILE) * TILE, gy = ceil(m, TILE) * TILE_ROWS;
        execute(device.createRange3D(gx, gy, batchOuter * batchInner, TILE, TILE_ROWS, 1), "matmul");
    }

    /** One work-group per output; rows are launched in chunks so the global size stays an int. */
    void linearRaw(int x, int wArena, int wOffset, int wCode, int dst, int rows, int n, int k) {
        if (rows == 0 || n == 0) return;
        DeviceProgram p = program;
        p.op = OP_LINEAR_RAW;
        p.wArena = wArena; p.wOff = wOffset; p.wCode = wCode; p.mmN = n; p.mmK = k;
        int chunk = Math.max(1, Integer.MAX_VALUE / ROW_GROUP / n);
        for (int row = 0; row < rows; row += chunk) {
            int count = Math.min(chunk, rows - row);
            p.src = x + row * k;
            p.dst = dst + row * n;
            execute(device.createRange(count * n * ROW_GROUP, ROW_GROUP), "linear");
        }
    }

    /** dims: 4-d output shape; strides: 4-d strides of a, b (0 where broadcast) and of the output. */
    void binary(int op, int a, int[] aStrides, int b, int[] bStrides, int dst, int[] dstStrides, int[] dims) {
        DeviceProgram p = program;
        p.op = OP_BINARY;
        p.sub = op; p.aOff = a; p.bOff = b; p.dst = dst;
        p.d0 = dims[0]; p.d1 = dims[1]; p.d2 = dims[2]; p.d3 = dims[3];
        p.aS0 = aStrides[0]; p.aS1 = aStrides[1]; p.aS2 = aStrides[2]; p.aS3 = aStrides[3];
        p.bS0 = bStrides[0]; p.bS1 = bStrides[1]; p.bS2 = bStrides[2]; p.bS3 = bStrides[3];
        p.cS0 = dstStrides[0]; p.cS1 = dstStrides[1]; p.cS2 = dstStrides[2]; p.cS3 = dstStrides[3];
        p.n = dims[0] * dims[1] * dims[2] * dims[3];
        run1D(p.n, ROW_GROUP, "binary");
    }

    void unary(int op, float param, int src, int dst, int count) {
        DeviceProgram p = program;
        p.op = OP_UNARY;
        p.sub = op; p.param = param; p.src = src; p.dst = dst; p.n = count;
        run1D(count, ROW_GROUP, "unary");
    }

    /** A mask as a base offset and 4-d strides over [rows d0, d1, d2, cols]; null = no mask. */
    record Mask(int offset, int[] strides) {}

    void softmax(int src, int dst, int[] rowDims, int cols, float scale, Mask maskA, Mask maskB) {
        setSoftmax(OP_SOFTMAX, src, dst, rowDims, cols, scale, maskA, maskB);
        execute(device.createRange(rowDims[0] * rowDims[1] * rowDims[2] * ROW_GROUP, ROW_GROUP), "softmax");
    }

    private void setSoftmax(int op, int src, int dst, int[] rowDims, int cols, float scale, Mask maskA, Mask maskB) {
        DeviceProgram p = program;
        p.op = op;
        p.sub = maskB != null ? 2 : maskA != null ? 1 : 0;
        p.src = src; p.dst = dst; p.cols = cols; p.alpha = scale;
        p.d0 = rowDims[0]; p.d1 = rowDims[1]; p.d2 = rowDims[2];
        if (maskA != null) {
            p.mAOff = maskA.offset; p.mAS0 = maskA.strides[0]; p.mAS1 = maskA.strides[1]; p.mAS2 = maskA.strides[2]; p.mAS3 = maskA.strides[3];
        }
        if (maskB != null) {
            p.mBOff = maskB.offset; p.mBS0 = maskB.strides[0]; p.mBS1 = maskB.strides[1]; p.mBS2 = maskB.strides[2]; p.mBS3 = maskB.strides[3];
        }
    }

    void norm(int kind, int src, int dst, int rows, int cols, int weight, int bias, float eps) {
        DeviceProgram p = program;
        p.op = OP_NORM;
        p.sub = kind; p.src = src; p.dst = dst; p.cols = cols; p.wOff = weight; p.biasOff = bias; p.param = eps;
        execute(device.createRange(rows * ROW_GROUP, ROW_GROUP), kind == NORM_RMS ? "rmsNorm" : "layerNorm");
    }

    /** direction +1 rotates (forward), −1 rotates back (the backward). */
    void rope(int layout, float direction, int src, int dst, int batch, int heads, int seq, int headDim, int positions, int posBatchStride, int cos, int sin) {
        DeviceProgram p = program;
        p.op = OP_ROPE;
        p.sub = layout; p.param = direction; p.src = src; p.dst = dst; p.ropeH = heads; p.ropeS = seq; p.cols = headDim;
        p.posOff = positions; p.posBatchStride = posBatchStride; p.cosOff = cos; p.sinOff = sin;
        p.n = batch * heads * seq * (headDim / 2);
        run1D(p.n, ROW_GROUP, "rope");
    }

    /** ids −1: rows 0..count−1 in order (the table decoded to F32). */
    void embedding(int tableArena, int table, int wCode, int ids, int count, int dim, int dst) {
        DeviceProgram p = program;
        p.op = OP_EMBEDDING;
        p.wArena = tableArena; p.wOff = table; p.wCode = wCode; p.src = ids; p.cols = dim; p.dst = dst; p.n = count * dim;
        run1D(p.n, ROW_GROUP, "embedding");
    }

    // ------------------------------------------------------------------ backward

    /** dx of {@link #softmax} from its input x and dP at {@code grad} (same rows, scale and masks). */
    void softmaxBackward(int src, int grad, int dst, int[] rowDims, int cols, float scale, Mask maskA, Mask maskB) {
        DeviceProgram p = program;
        p.bOff = grad;
        setSoftmax(OP_SOFTMAX_BACK, src, dst, rowDims, cols, scale, maskA, maskB);
        execute(device.createRange(rowDims[0] * rowDims[1] * rowDims[2] * ROW_GROUP, ROW_GROUP), "softmax backward");
    }

    void rmsNormBackward(int src, int grad, int dst, int rows, int cols, int weight, float eps) {
        DeviceProgram p = program;
        p.op = OP_RMS_NORM_BACK;
        p.src = src; p.bOff = grad; p.dst = dst; p.cols = cols; p.wOff = weight; p.param = eps;
        execute(device.createRange(rows * ROW_GROUP, ROW_GROUP), "rmsNorm backward");
    }

    /** Row losses to {@code losses}, dLogits·scale to {@code dst}; labels (I32, −100 ignored) at {@code labels}. */
    void crossEntropy(int logits, int labels, int rows, int cols, float scale, int losses, int dst) {
        DeviceProgram p = program;
        p.op = OP_CROSS_ENTROPY;
        p.src = logits; p.posOff = labels; p.cols = cols; p.param = scale; p.aOff = losses; p.dst = dst;
        execute(device.createRange(rows * ROW_GROUP, ROW_GROUP), "cross-entropy");
    }

    /** dTable[ids[u]] += Σ dy[positions[starts[u] .. starts[u + 1])] for u < distinct (see DeviceProgram). */
    void embeddingBackward(int grad, int ids, int starts, int positions, int distinct, int dim, int dst) {
        DeviceProgram p = program;
        p.op = OP_EMBEDDING_BACK;
        p.bOff = grad; p.src = ids; p.posOff = starts; p.aOff = positions; p.cols = dim; p.dst = dst; p.n = distinct * dim;
        run1D(p.n, ROW_GROUP, "embedding backward");
    }

    // ------------------------------------------------------------------ execution
    private void run1D(int count, int local, String what) {
        execute(device.createRange(ceil(count, local) * local, local), what);
    }

    private void execute(Range range, String what) {
        program.execute(range);
        if (!program.isRunningCL()) {
            throw new IllegalStateException("the OpenCL " + what + " kernel did not run on " + OpenClDevices.describe(device)
                    + ": Aparapi fell back to Java (its log above says why, e.g. an OpenCL build error)");
        }
    }

    private static int ceil(int a, int b) {
        return Math.max(1, (a + b - 1) / b);
    }
}
