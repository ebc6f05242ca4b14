package org.visualchat.mmca.cli;

import org.visualchat.mmca.demo.DemoConfig;
import org.visualchat.mmca.demo.DemoStepTiming;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * {@code visualchat bench demo}: CPU-seconds per training step of the demo's stage 3 (LLaMA pretraining) and
 * stage 4 (MMCA training) at the full size, as {@code visualchat demo} runs them (issue 7): the demo's
 * 15-minute budget is counted in these.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "CPU-seconds per training step of the demo's LLaMA and MMCA stages (full size).")
final class DemoBenchCommand implements Runnable {
    @Option(names = "--warmup", description = "Untimed steps per stage first, so the JIT has compiled every kernel (default: ${DEFAULT-VALUE}).")
    int warmup = 40;

    @Option(names = "--steps", description = "Timed steps per stage (default: ${DEFAULT-VALUE}).")
    int steps = 40;

    @Option(names = "--small", description = "The reduced size (--small of `visualchat demo`) instead of the full one.")
    boolean small;

    @Option(names = "--shards", description = "Shards per training batch, run one per core (default: the size's trainShards; 1 splits every op across the cores instead).")
    Integer shards;

    @Override
    public void run() {
        if (steps < 1 || warmup < 0) throw new IllegalArgumentException("--steps must be >= 1 and --warmup >= 0");
        BenchCommand.printMachine();
        DemoConfig config = small ? DemoConfig.reduced() : DemoConfig.full();
        if (shards != null) config = config.withTrainShards(shards);
        System.out.println("# " + (small ? "reduced" : "full") + " size, " + config.trainShards() + " shards per batch; " + warmup + " warm-up steps, then " + steps + " timed steps per stage");
        try {
            DemoStepTiming.measure(config, warmup, steps, System.out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
