package org.visualchat.mmca.cli;

import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.visualchat.parallel.zero.ModelShape;
import org.visualchat.parallel.zero.ZeroConfig;
import org.visualchat.parallel.zero.ZeroPlan;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code visualchat plan}: per-rank memory and bytes sent per optimizer step for a VisualChat configuration
 * under ZeRO stages 0–3 (the cost model of {@link ZeroPlan}), before renting the machines.
 */
@Command(name = "plan", mixinStandardHelpOptions = true,
        description = "Per-rank memory and traffic per step of ZeRO stages 0-3 for a VisualChat model (distributed.md §1.2-1.3).")
public final class PlanCommand implements Callable<Integer> {
    @Option(names = "--llm", defaultValue = "llama2-13b", description = "llama2-7b, llama2-13b or llama2-70b (default: ${DEFAULT-VALUE}).")
    String llm;

    @Option(names = "--vision", defaultValue = "clip-vit-l-14", description = "clip-vit-l-14 or qwen-vit-bigg (default: ${DEFAULT-VALUE}).")
    String vision;

    @Option(names = "--world", defaultValue = "8", description = "Data-parallel ranks (default: ${DEFAULT-VALUE}).")
    int world;

    @Option(names = "--stage", split = ",", defaultValue = "0,1,2,3", description = "Stages to show (default: ${DEFAULT-VALUE}).")
    int[] stages;

    @Option(names = "--frozen", defaultValue = "replicated", description = "Frozen weights under stage 3: replicated or partitioned (default: ${DEFAULT-VALUE}).")
    String frozen;

    @Option(names = "--accumulation", defaultValue = "1", description = "Micro-steps per optimizer step (default: ${DEFAULT-VALUE}).")
    int accumulation;

    @Option(names = "--prefetch", defaultValue = "1", description = "Stage-3 units gathered ahead (default: ${DEFAULT-VALUE}).")
    int prefetch;

    @Option(names = "--gbps", defaultValue = "10", description = "Link speed in Gbit/s for the transfer-time column (default: ${DEFAULT-VALUE}).")
    double gbps;

    @Override
    public Integer call() {
        ModelShape.Llm l = Arrays.stream(ModelShape.Llm.values()).filter(v -> v.id.equals(llm)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("--llm: unknown model '" + llm + "' (llama2-7b, llama2-13b, llama2-70b)"));
        ModelShape.Vision v = Arrays.stream(ModelShape.Vision.values()).filter(x -> x.id.equals(vision)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("--vision: unknown encoder '" + vision + "' (clip-vit-l-14, qwen-vit-bigg)"));
        ZeroConfig.Frozen f = switch (frozen) {
            case "replicated" -> ZeroConfig.Frozen.REPLICATED;
            case "partitioned" -> ZeroConfig.Frozen.PARTITIONED;
            default -> throw new IllegalArgumentException("--frozen must be replicated or partitioned, got '" + frozen + "'");
        };
        OptionChecks.atLeast("--world", world, 1);
        OptionChecks.atLeast("--accumulation", accumulation, 1);
        OptionChecks.atLeast("--prefetch", prefetch, 0);
        OptionChecks.positiveFinite("--gbps", gbps);
        for (int stage : stages) OptionChecks.between("--stage", stage, 0, 3);   // all of them before the table starts
        ModelShape model = ModelShape.visualChat(l, v);
        System.out.printf(Locale.ROOT, "# %s, p = %d, %d micro-step(s) per step, frozen weights %s under stage 3, bf16 weights, f32 grads%n",
                model.name(), world, accumulation, frozen);
        for (ModelShape.Component c : model.components()) System.out.printf(Locale.ROOT, "#   %-28s %,16d params%n", c.name(), c.params());
        System.out.printf(Locale.ROOT, "%-6s %10s %10s %10s %10s %10s %10s | %12s %12s %12s %10s%n", "stage", "frozen", "weights", "grads",
                "optimizer", "gathered", "total GB", "all-reduce", "red-scatter", "all-gather", "s at link");
        for (int stage : stages) {
            ZeroPlan.Plan p = ZeroPlan.plan(model, world, stage, stage == 3 ? f : ZeroConfig.Frozen.REPLICATED, 4, accumulation, prefetch);
            ZeroPlan.Memory m = p.memory();
            ZeroPlan.Traffic t = p.traffic();
            System.out.printf(Locale.ROOT, "%-6d %10.2f %10.2f %10.2f %10.2f %10.2f %10.2f | %12.3f %12.3f %12.3f %10.2f%n", stage,
                    gb(m.frozen()), gb(m.weights()), gb(m.gradients()), gb(m.optimizer()), gb(m.gathered()), gb(m.total()),
                    gb(t.allReduce()), gb(t.reduceScatter()), gb(t.allGather()), t.total() * 8 / (gbps * 1e9));
        }
        System.out.println("# memory in GB (1e9 B) per rank; traffic in GB sent per rank per optimizer step; time = sent bytes at --gbps, no overlap");
        return 0;
    }

    private static double gb(long bytes) {
        return bytes / 1e9;
    }
}
