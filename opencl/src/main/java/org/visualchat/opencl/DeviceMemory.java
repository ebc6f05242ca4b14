package org.visualchat.opencl;

import org.visualchat.tensor.DType;
import org.visualchat.tensor.Shapes;
import org.visualchat.tensor.Tensor;

import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.visualchat.opencl.DeviceProgram.HEAP_RESERVED;

/**
 * The device arenas of one backend: allocation, scoped release, and the counted transfers. Every
 * upload is also written into the host array behind its arena, so if Aparapi ever rebuilds a device
 * buffer from that array (it does when the JVM moves it) uploaded tensors survive; a canary cell,
 * returned with every download, reveals the rebuild so that lost device results are never returned.
 */
final class DeviceMemory {
    private final OpenClBackend owner;
    private final DeviceProgram program;
    private final DeviceLauncher launcher;
    private final DeviceArena heap, ints;
    /** One per byte arena of the program (a quantized tensor lives in one of them). */
    private final DeviceArena[] raw = new DeviceArena[DeviceProgram.RAW_ARENAS];
    /** Serial ranges [from, to) of tensors released by closed scopes. */
    private final List<long[]> released = new ArrayList<>();
    private long nextSerial;
    private TransferStats stats = new TransferStats(0, 0, 0, 0);

    DeviceMemory(OpenClBackend owner, DeviceProgram program, DeviceLauncher launcher) {
        this.owner = owner;
        this.program = program;
        this.launcher = launcher;
        heap = new DeviceArena("float", "floats", HEAP_RESERVED, program.heap.length);
        for (int i = 0; i < raw.length; i++) raw[i] = new DeviceArena("byte", "bytes", 0, program.rawArena(i).length);
        ints = new DeviceArena("int", "ints", 0, program.ints.length);
        launcher.armCanary();
    }

    TransferStats stats() { return stats; }

    /** Returns the action that releases everything allocated from now on. */
    Runnable mark() {
        int heapMark = heap.top(), intMark = ints.top();
        int[] rawMarks = new int[raw.length];
        for (int i = 0; i < raw.length; i++) rawMarks[i] = raw[i].top();
        long serialMark = nextSerial;
        return () -> {
            heap.reset(heapMark);
            for (int i = 0; i < raw.length; i++) raw[i].reset(rawMarks[i]);
            ints.reset(intMark);
            released.add(new long[] {serialMark, nextSerial});
        };
    }

    /** False once a scope that allocated {@code t} has closed. */
    boolean isLive(DeviceTensor t) {
        for (long[] r : released) {
            if (t.serial() >= r[0] && t.serial() < r[1]) return false;
        }
        return true;
    }

    DeviceTensor allocate(DType dtype, int[] shape) {
        long count = Shapes.numel(shape);
        int arena = 0, offset = switch (dtype) {
            case F32 -> heap.allocate(count, 16);
            case I32 -> ints.allocate(count, 16);
            default -> {
                long bytes = dtype.byteSize(count);
                while (arena < raw.length - 1 && !raw[arena].fits(bytes, 64)) arena++;
                yield raw[arena].allocate(bytes, 64);   // the last arena reports "full" when none fits
            }
        };
        return new DeviceTensor(owner, dtype, shape, arena, offset, nextSerial++);
    }

    DeviceTensor upload(Tensor t) {
        Tensor c = t.contiguous();
        int count = Math.toIntExact(c.numel());
        DeviceTensor d;
        long bytes;
        switch (c.dtype()) {
            case F32 -> {
                float[] values = c.toFloatArray();
                d = allocate(DType.F32, c.shape());
                System.arraycopy(values, 0, program.heap, d.offset(), count);
                launcher.copyIn(values, d.offset());
                bytes = 4L * count;
            }
            case BF16, F16, Q8_0, Q4_0 -> {
                byte[] values = c.segment().toArray(ValueLayout.JAVA_BYTE);
                d = allocate(c.dtype(), c.shape());
                System.arraycopy(values, 0, program.rawArena(d.arena()), d.offset(), values.length);
                launcher.copyIn(values, d.arena(), d.offset());
                bytes = values.length;
            }
            case I32, I64 -> {
                long[] longs = c.toLongArray();
                int[] values = new int[count];
                for (int i = 0; i < count; i++) {
                    if (longs[i] != (int) longs[i]) throw new IllegalArgumentException("index " + longs[i] + " at position " + i + " does not fit the device's I32");
                    values[i] = (int) longs[i];
                }
                d = allocate(DType.I32, c.shape());
                System.arraycopy(values, 0, program.ints, d.offset(), count);
                launcher.copyIn(values, d.offset());
                bytes = 4L * count;
            }
            default -> throw new IllegalArgumentException("the OpenCL backend has no kernels for " + c.dtype() + " (supported: F32, BF16, F16, Q8_0, Q4_0, I32, I64)");
        }
        stats = stats.plusUpload(bytes);
        return d;
    }

    /** An F32 device tensor copied to the host (the caller checked it is live and F32). */
    Tensor download(DeviceTensor t) {
        int count = Math.toIntExact(t.numel());
        if (count == 0) return Tensor.zeros(t.shape());
        float[] out = launcher.copyOut(t.offset(), count);
        if (out[count] != 1f) {
            launcher.armCanary();
            throw new IllegalStateException("the OpenCL float arena was rebuilt from host memory (the JVM moved its mirror array); "
                    + "device-computed values are lost, uploaded tensors are intact: recompute and download again");
        }
        stats = stats.plusDownload(4L * count);
        return Tensor.of(Arrays.copyOf(out, count), t.shape());
    }
}
