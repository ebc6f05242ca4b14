package org.visualchat.mmca.cli;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.visualchat.autograd.Activations;
import org.visualchat.autograd.Arith;
import org.visualchat.autograd.Reductions;
import org.visualchat.autograd.Variable;
import org.visualchat.nn.Linear;
import org.visualchat.nn.Module;
import org.visualchat.nn.optim.AdamW;
import org.visualchat.nn.optim.ParamGroup;
import org.visualchat.parallel.Launcher;
import org.visualchat.parallel.ProcessGroup;
import org.visualchat.parallel.ReduceOp;
import org.visualchat.parallel.Split;
import org.visualchat.parallel.zero.ZeroConfig;
import org.visualchat.parallel.zero.ZeroEngine;
import org.visualchat.tensor.DType;
import org.visualchat.tensor.Tensor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * What {@code overlap_comm} buys: the training step of a stack of trainable linear layers under ZeRO on N local
 * processes, with the gradient reduction after backward against the same reduction overlapped with backward
 * (one bucket per layer), measured alternately in one run (medians), next to forward + backward alone and the
 * per-bucket reductions alone (as the engine issues them without overlap) in the same run.
 */
@Command(name = "zero", mixinStandardHelpOptions = true,
        description = "ZeRO training-step time with and without overlap_comm on N local processes.")
public final class ZeroBenchCommand implements Callable<Integer> {
    @Option(names = "--nproc", defaultValue = "2", description = "Ranks (default: ${DEFAULT-VALUE}).")
    int nproc;

    @Option(names = "--stage", defaultValue = "2", description = "ZeRO stage 0-2 (default: ${DEFAULT-VALUE}).")
    int stage;

    @Option(names = "--layers", defaultValue = "8", description = "Trainable Linear layers (default: ${DEFAULT-VALUE}).")
    int layers;

    @Option(names = "--dim", defaultValue = "768", description = "Layer width (default: ${DEFAULT-VALUE}).")
    int dim;

    @Option(names = "--batch", defaultValue = "64", description = "Rows per rank and step (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--rounds", defaultValue = "6", description = "Alternations of the two settings (default: ${DEFAULT-VALUE}).")
    int rounds;

    @Option(names = "--steps", defaultValue = "3", description = "Steps per setting and round (default: ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--worker", hidden = true, description = "Internal: run as one rank (set by the launcher).")
    boolean worker;

    /** The benchmark model: Linear + SiLU, {@code layers} times. */
    static final class Stack extends Module {
        final List<Linear> layers = new ArrayList<>();

        Stack(int count, int dim) {
            for (int i = 0; i < count; i++) layers.add(child("layer" + i, new Linear(dim, dim, true, 17 + i)));
        }

        Variable loss(Tensor x) {
            Variable h = Variable.of(x);
            for (Linear l : layers) h = Activations.silu(l.forward(h));
            return Reductions.mean(Arith.mul(h, h));
        }
    }

    @Override
    public Integer call() throws Exception {
        if (worker) return runRank();
        if (stage < 0 || stage > 2) throw new IllegalArgumentException("--stage must be 0, 1 or 2 (stage 3 reduces per unit during backward anyway), got " + stage);
        BenchCommand.printMachine();
        List<String> args = new ArrayList<>(List.of("bench", "zero", "--worker"));
        for (String[] kv : new String[][] {{"--stage", "" + stage}, {"--layers", "" + layers}, {"--dim", "" + dim}, {"--batch", "" + batch},
                {"--rounds", "" + rounds}, {"--steps", "" + steps}}) args.addAll(Arrays.asList(kv));
        List<String> cmd = Launcher.javaCommand(List.of("-XX:+UseParallelGC", "-Xmx2g"), Main.class.getName(), args);
        try (Launcher.Job job = Launcher.start(nproc, cmd, Map.of("VC_DIST_TIMEOUT_MS", "120000"), null)) {
            return job.supervise(Duration.ofSeconds(10), System.err);
        }
    }

    private int runRank() {
        try (ProcessGroup pg = ProcessGroup.fromEnv()) {
            Stack plainModel = new Stack(layers, dim), overlapModel = new Stack(layers, dim);
            long perLayer = (long) dim * dim + dim;
            ZeroConfig base = ZeroConfig.stage(stage).withBucketElements(perLayer);
            Tensor x = Tensor.randn(1000 + pg.rank(), 1f, batch, dim);
            try (ZeroEngine plain = engine(pg, plainModel, base); ZeroEngine overlapped = engine(pg, overlapModel, base.withOverlapComm(true))) {
                List<Double> off = new ArrayList<>(), on = new ArrayList<>(), compute = new ArrayList<>(), reduce = new ArrayList<>();
                time(pg, plain, plainModel, x, 2, null);                 // warm-up: JIT, buffers
                time(pg, overlapped, overlapModel, x, 2, null);
                Tensor grads = Tensor.zeros(Math.toIntExact(perLayer));
                Split split = Split.balanced(grads.numel(), pg.size());
                Tensor mine = Tensor.zeros(Math.toIntExact(split.count(pg.rank())));
                for (int r = 0; r < rounds; r++) {
                    if (r % 2 == 0) time(pg, plain, plainModel, x, steps, off);   // alternate which goes first: no order bias
                    time(pg, overlapped, overlapModel, x, steps, on);
                    if (r % 2 == 1) time(pg, plain, plainModel, x, steps, off);
                    for (int s = 0; s < steps; s++) {
                        pg.barrier();
                        long t0 = System.nanoTime();
                        Variable loss = plainModel.loss(x);
                        loss.backward();
                        compute.add((System.nanoTime() - t0) / 1e6);
                        plainModel.trainableParameters().values().forEach(Variable::zeroGrad);
                        pg.barrier();
                        t0 = System.nanoTime();
                        for (int b = 0; b < layers; b++) {
                            if (stage == 0) pg.allReduce(grads.segment(), DType.F32, grads.numel(), ReduceOp.AVG);
                            else pg.reduceScatter(grads.segment(), mine.segment(), DType.F32, split, ReduceOp.AVG);
                        }
                        reduce.add((System.nanoTime() - t0) / 1e6);
                    }
                }
                if (pg.rank() == 0) {
                    double tOff = median(off), tOn = median(on), tCompute = median(compute), tReduce = median(reduce);
                    System.out.printf("ZeRO stage %d, %d ranks, %d x Linear(%d, %d) + SiLU, batch %d per rank, %d gradient buckets of %,d elements%n",
                            stage, pg.size(), layers, dim, dim, batch, layers, perLayer);
                    System.out.printf("medians of %d steps each, settings alternated %d times:%n", rounds * steps, rounds);
                    System.out.printf("  forward + backward alone                  %8.1f ms%n", tCompute);
                    System.out.printf("  %d bucket %-14s alone, in turn   %8.1f ms%n", layers, stage == 0 ? "all-reduces" : "reduce-scatters", tReduce);
                    System.out.printf("  step, reduction after backward            %8.1f ms%n", tOff);
                    System.out.printf("  step, overlap_comm                        %8.1f ms   (%.2fx the step without overlap)%n", tOn, tOn / tOff);
                }
            }
        }
        return 0;
    }

    private static ZeroEngine engine(ProcessGroup pg, Stack model, ZeroConfig config) {
        return new ZeroEngine(pg, model, List.of(new ParamGroup("all", model.trainableParameters(), 1e-3, 0)), AdamW::new, config, List.of());
    }

    /** Times {@code n} whole steps (forward, backward, reduction, update), each started together on every rank. */
    private static void time(ProcessGroup pg, ZeroEngine zero, Stack model, Tensor x, int n, List<Double> out) {
        for (int s = 0; s < n; s++) {
            pg.barrier();
            long t0 = System.nanoTime();
            zero.backward(model.loss(x), true);
            zero.step();
            if (out != null) out.add((System.nanoTime() - t0) / 1e6);
        }
    }

    private static double median(List<Double> xs) {
        double[] a = xs.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return a.length % 2 == 1 ? a[a.length / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2;
    }
}
