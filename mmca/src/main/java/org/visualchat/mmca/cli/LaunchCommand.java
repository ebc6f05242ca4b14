package org.visualchat.mmca.cli;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.visualchat.parallel.Launcher;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code visualchat launch --nproc N -- <subcommand args>}: N local ranks of a visualchat subcommand. */
@Command(name = "launch", mixinStandardHelpOptions = true,
        description = {"Run N local ranks of a visualchat subcommand with RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR,",
                "MASTER_PORT and a fresh VC_DIST_SECRET set; if one rank fails, the others are stopped."})
public final class LaunchCommand implements Callable<Integer> {
    /** Each rank is a JVM on this machine: more than this is a typo, not a job (100000 would start JVMs until the machine gives out). */
    static final int MAX_RANKS = 256;

    @Option(names = "--nproc", required = true, description = "Number of ranks (processes) to start.")
    int nproc;

    @Option(names = "--grace-seconds", defaultValue = "10", description = "SIGTERM-to-SIGKILL grace when stopping ranks (default: ${DEFAULT-VALUE}).")
    int graceSeconds;

    @Parameters(arity = "1..*", paramLabel = "ARGS", description = "The visualchat subcommand and its arguments (after --).")
    List<String> args;

    @Override
    public Integer call() throws Exception {
        if (nproc > MAX_RANKS) throw new IllegalArgumentException("--nproc must be at most " + MAX_RANKS + " (each rank is a JVM on this machine), got " + nproc);
        OptionChecks.atLeast("--grace-seconds", graceSeconds, 0);
        List<String> cmd = Launcher.javaCommand(List.of(collector(args)), Main.class.getName(), args);
        try (Launcher.Job job = Launcher.start(nproc, cmd, Map.of(), null)) {
            return job.supervise(Duration.ofSeconds(graceSeconds), System.err);
        }
    }

    /**
     * The ranks' collector: the project's Parallel GC, or G1 when they use an OpenCL device (e.g. {@code train
     * --device opencl}), whose backend refuses collectors that move its arrays; the visualchat script chooses alike.
     */
    static String collector(List<String> args) {
        boolean opencl = args.stream().anyMatch(a -> a.equals("opencl") || a.startsWith("opencl:") || a.startsWith("--device=opencl"));
        return opencl ? "-XX:+UseG1GC" : "-XX:+UseParallelGC";
    }
}
