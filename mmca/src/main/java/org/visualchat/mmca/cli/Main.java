package org.visualchat.mmca.cli;

import org.visualchat.tensor.io.FileErrors;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the {@code visualchat} command line; each subcommand is its own class. */
@Command(name = "visualchat", mixinStandardHelpOptions = true, version = "VisualChat-J 0.1.0",
        description = "Multi-image, multi-round visual chat on the JVM (DeepSpeed-VisualChat reimplementation).",
        subcommands = {DemoCommand.class, ChatCommand.class, EvalCommand.class, GenerateCommand.class, TrainCommand.class,
                DataCommand.class, BenchCommand.class, LaunchCommand.class, PlanCommand.class, ConsolidateCommand.class})
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line and returns its exit code (used by tests). */
    public static int run(String... args) {
        return new CommandLine(new Main()).setExecutionExceptionHandler(Main::reportError).execute(args);
    }

    /** User errors (bad files, bad values) print one clear line, not a stack trace. */
    private static int reportError(Exception e, CommandLine cmd, CommandLine.ParseResult parsed) {
        cmd.getErr().println("visualchat " + cmd.getCommandName() + ": " + FileErrors.message(e));
        if (System.getenv("VC_DEBUG") != null) e.printStackTrace(cmd.getErr());
        return 1;
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
