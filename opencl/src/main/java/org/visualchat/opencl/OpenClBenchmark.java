package org.visualchat.opencl;

import org.visualchat.tensor.DType;
import org.visualchat.tensor.Tensor;
import org.visualchat.tensor.ops.MatMul;

import java.util.Arrays;
import java.util.Locale;

/**
 * Side-by-side throughput of the OpenCL kernels and the CPU Vector API path, in one process:
 * matmul GFLOP/s (2·M·N·K per product) and fused-dequantize matvec GB/s (weight bytes read per
 * product). Device times exclude transfers (operands are resident, as they are in a model); each
 * figure is the median of several timed runs after warm-up.
 *
 * <p>Usage: {@code OpenClBenchmark [device=opencl] [size=512]} (see docs/opencl.md for the command).
 * On PoCL the "device" is the same CPU, so the ratio measures PoCL's code generation against the
 * hand-written Vector API kernels, not a GPU.
 */
public final class OpenClBenchmark {
    private static final int WARMUP = 2, RUNS = 5;

    private OpenClBenchmark() {}

    public static void main(String[] args) {
        String device = args.length > 0 ? args[0] : "opencl";
        int size = args.length > 1 ? Integer.parseInt(args[1]) : 512;
        int k = 4096, n = 4096;
        try (OpenClBackend gpu = OpenClBackend.open(device, new OpenClBackend.Capacity(
                Math.max(OpenClBackend.Capacity.MIN_HEAP_FLOATS, 3 * size * size + 2 * k), 40 << 20, 1 << 10))) {
            String label = gpu.deviceDescription();
            boolean pocl = label.toLowerCase(Locale.ROOT).contains("pocl");
            System.out.println("OpenCL device: " + label + (pocl ? "  [PoCL: OpenCL on the host CPU, NOT a GPU]" : ""));
            System.out.println("CPU path: org.visualchat.tensor.ops.MatMul (Vector API), " + Runtime.getRuntime().availableProcessors() + " cores");

            Tensor a = Tensor.uniform(1, -1, 1, size, size), b = Tensor.uniform(2, -1, 1, size, size);
            Tensor out = Tensor.zeros(size, size);
            DeviceTensor da = gpu.upload(a), db = gpu.upload(b);
            double flop = 2.0 * size * size * size;
            double cl = seconds(() -> {
                try (OpenClBackend.Scope ignored = gpu.scope()) {
                    gpu.matmul(da, db);
                }
            });
            double cpu = seconds(() -> MatMul.matmul(a, b, out));
            report("matmul " + size + "³", flop / cl / 1e9, flop / cpu / 1e9, "GFLOP/s");

            Tensor x = Tensor.uniform(3, -1, 1, 1, k), y = Tensor.zeros(1, n);
            DeviceTensor dx = gpu.upload(x);
            for (DType dtype : new DType[] {DType.BF16, DType.Q8_0, DType.Q4_0}) {
                Tensor w = Tensor.uniform(4, -1, 1, n, k).to(dtype);
                double bytes = dtype.byteSize((long) n * k);
                try (OpenClBackend.Scope weights = gpu.scope()) {
                    DeviceTensor dw = gpu.upload(w);
                    double clMv = seconds(() -> {
                        try (OpenClBackend.Scope ignored = gpu.scope()) {
                            gpu.linear(dx, dw);
                        }
                    });
                    double cpuMv = seconds(() -> MatMul.linear(x, w, y));
                    report("matvec " + dtype + " " + n + "×" + k, bytes / clMv / 1e9, bytes / cpuMv / 1e9, "GB/s");
                }
            }
        }
    }

    private static void report(String what, double device, double cpu, String unit) {
        System.out.printf(Locale.ROOT, "%-22s OpenCL %8.2f %s   CPU %8.2f %s   OpenCL/CPU %.2f%n", what, device, unit, cpu, unit, device / cpu);
    }

    /** Median wall time of one call, after warm-up (the OpenCL call returns when the kernel is done). */
    private static double seconds(Runnable r) {
        for (int i = 0; i < WARMUP; i++) r.run();
        double[] t = new double[RUNS];
        for (int i = 0; i < RUNS; i++) {
            long start = System.nanoTime();
            r.run();
            t[i] = (System.nanoTime() - start) / 1e9;
        }
        Arrays.sort(t);
        return t[RUNS / 2];
    }
}
