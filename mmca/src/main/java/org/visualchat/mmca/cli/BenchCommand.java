package org.visualchat.mmca.cli;

import org.visualchat.tensor.Tensor;
import org.visualchat.tensor.ops.MatMul;
import picocli.CommandLine.Command;

/** {@code visualchat bench ...}: kernel throughput on this machine (PLACEHOLDER until the GEMM issue lands). */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Measure kernel throughput.",
        subcommands = {BenchCommand.Gemm.class})
public final class BenchCommand {
    @Command(name = "gemm", mixinStandardHelpOptions = true, description = "SGEMM GFLOP/s.")
    static final class Gemm implements Runnable {
        @Override
        public void run() {
            int n = 128;
            Tensor a = Tensor.randn(1, 1, n, n), b = Tensor.randn(2, 1, n, n);
            long t0 = System.nanoTime();
            MatMul.matmul(a, b);
            double s = (System.nanoTime() - t0) / 1e9;
            System.out.printf("gemm %dx%dx%d: %.2f GFLOP/s%n", n, n, n, 2.0 * n * n * n / s / 1e9);
        }
    }
}
