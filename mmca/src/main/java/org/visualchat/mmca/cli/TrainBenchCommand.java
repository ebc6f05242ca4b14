package org.visualchat.mmca.cli;

import org.visualchat.mmca.bench.Stopwatch;
import org.visualchat.mmca.bench.TrainStepWorkload;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.Locale;

/**
 * {@code visualchat bench train}: tokens/s of a small VisualChat training step (issue 6) and the share of
 * the step spent in the frozen decoder, phase by phase (medians over the timed steps). Wall time on a
 * shared host depends on the load, so each phase's CPU time (the Java threads: caller and kernel pool)
 * is printed too, and the decoder's share is taken from it: tokens per CPU-second changes far less with
 * the load than tokens per second. The process's CPU per step (with GC and JIT threads) is printed
 * beside it.
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
        int phases = TrainStepWorkload.PHASES.length;
        long[] wallNanos = new long[phases], cpuNanos = new long[phases];
        for (int i = 0; i < warmup; i++) w.step(wallNanos, null);
        double[][] wall = new double[phases][steps], cpu = new double[phases][steps];
        double[] wallTotal = new double[steps], cpuTotal = new double[steps], processCpu = new double[steps], decoderShare = new double[steps];
        for (int s = 0; s < steps; s++) {
            double p0 = TrainStepWorkload.processCpuSeconds();
            w.step(wallNanos, cpuNanos);
            processCpu[s] = TrainStepWorkload.processCpuSeconds() - p0;
            for (int i = 0; i < phases; i++) {
                wall[i][s] = wallNanos[i] / 1e6;
                cpu[i][s] = cpuNanos[i] / 1e6;
                wallTotal[s] += wall[i][s];
                cpuTotal[s] += cpu[i][s];
            }
            decoderShare[s] = (cpu[TrainStepWorkload.DECODER_FORWARD][s] + cpu[TrainStepWorkload.DECODER_BACKWARD][s]) / cpuTotal[s];
        }
        System.out.printf(Locale.ROOT, "  %-36s %9s %9s%n", "phase (medians)", "wall ms", "CPU ms");
        for (int i = 0; i < phases; i++) {
            System.out.printf(Locale.ROOT, "  %-36s %9.2f %9.2f%n", TrainStepWorkload.PHASES[i], Stopwatch.median(wall[i]), Stopwatch.median(cpu[i]));
        }
        double step = Stopwatch.median(wallTotal), cpuStep = Stopwatch.median(cpuTotal) / 1e3;
        System.out.printf(Locale.ROOT, "train step %.1f ms wall = %.0f tokens/s; %.3f CPU-s (Java threads) = %.0f tokens per CPU-second, %.3f CPU-s with GC and JIT; "
                        + "frozen decoder %.1f%% of the step's CPU; loss %.4f%n",
                step, w.realTokens() / (step / 1e3), cpuStep, w.realTokens() / cpuStep, Stopwatch.median(processCpu),
                100 * Stopwatch.median(decoderShare), w.lastLoss());
    }
}
