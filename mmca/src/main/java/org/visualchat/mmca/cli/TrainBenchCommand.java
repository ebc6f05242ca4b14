package org.visualchat.mmca.cli;

import org.visualchat.mmca.bench.Stopwatch;
import org.visualchat.mmca.bench.TrainStepWorkload;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.Locale;

/**
 * {@code visualchat bench train}: tokens/s of a small VisualChat training step (issue 6) and the share of
 * the step spent in the frozen decoder, phase by phase (medians over the timed steps). Wall time on a
 * shared host depends on the load, so the CPU time used per step is printed too (the whole process, and
 * its Java threads alone, i.e. without GC and JIT compilation): tokens per CPU-second changes far less
 * with the load than tokens per second.
 */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Training-step tokens/s of a small VisualChat model and the frozen decoder's share of the step.")
final class TrainBenchCommand implements Runnable {
    @Option(names = "--layers", description = "Decoder layers (default: ${DEFAULT-VALUE}).")
    int layers = 4;

    @Option(names = "--warmup", description = "Untimed steps first, so the JIT has compiled every kernel (default: ${DEFAULT-VALUE}).")
    int warmup = 3;

    @Option(names = "--steps", description = "Timed steps; medians are reported (default: ${DEFAULT-VALUE}).")
    int steps = 8;

    @Override
    public void run() {
        if (steps < 1 || warmup < 0) throw new IllegalArgumentException("--steps must be >= 1 and --warmup >= 0");
        TrainStepWorkload w = TrainStepWorkload.small(layers);
        BenchCommand.printMachine();
        System.out.println("# " + w.describe() + "; " + warmup + " warm-up steps, medians of " + steps);
        long[] nanos = new long[TrainStepWorkload.PHASES.length];
        for (int i = 0; i < warmup; i++) w.step(nanos);
        double[][] phase = new double[nanos.length][steps];
        double[] total = new double[steps], cpu = new double[steps], javaCpu = new double[steps];
        for (int s = 0; s < steps; s++) {
            double c0 = TrainStepWorkload.processCpuSeconds(), j0 = TrainStepWorkload.javaThreadsCpuSeconds();
            w.step(nanos);
            cpu[s] = TrainStepWorkload.processCpuSeconds() - c0;
            javaCpu[s] = TrainStepWorkload.javaThreadsCpuSeconds() - j0;
            for (int i = 0; i < nanos.length; i++) {
                phase[i][s] = nanos[i] / 1e6;
                total[s] += nanos[i] / 1e6;
            }
        }
        double step = Stopwatch.median(total);
        double decoder = 0;
        for (int i = 0; i < nanos.length; i++) {
            double ms = Stopwatch.median(phase[i]);
            if (i == TrainStepWorkload.DECODER_FORWARD || i == TrainStepWorkload.DECODER_BACKWARD) decoder += ms;
            System.out.printf(Locale.ROOT, "  %-36s %9.2f ms%n", TrainStepWorkload.PHASES[i], ms);
        }
        double cpuSeconds = Stopwatch.median(cpu), javaSeconds = Stopwatch.median(javaCpu);
        System.out.printf(Locale.ROOT, "train step %.1f ms = %.0f tokens/s; CPU per step %.3f s (process), %.3f s (Java threads) = %.0f tokens per Java-thread CPU-second; frozen decoder %.1f%% of the step; loss %.4f%n",
                step, w.realTokens() / (step / 1e3), cpuSeconds, javaSeconds, w.realTokens() / javaSeconds, 100 * decoder / step, w.lastLoss());
    }
}
