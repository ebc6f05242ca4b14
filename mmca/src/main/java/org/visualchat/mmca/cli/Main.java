package org.visualchat.mmca.cli;

import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
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
        cmd.getErr().println("visualchat " + cmd.getCommandName() + ": " + message(e));
        if (System.getenv("VC_DEBUG") != null) e.printStackTrace(cmd.getErr());
        return 1;
    }

    /**
     * The exception's message, except where it is a java.nio.file exception's bare path (theirs carry no reason
     * unless the OS gave one; commands often rethrow them wrapped, with the same message): then the path and what is wrong with it.
     */
    static String message(Throwable e) {
        String message = e.getMessage();
        for (Throwable c = e; c != null; c = c.getCause()) {
            if (c instanceof FileSystemException f && f.getReason() == null && f.getMessage().equals(message)) {
                return f.getMessage() + ": " + problem(f);
            }
        }
        return message;
    }

    private static String problem(FileSystemException f) {
        return switch (f) {
            case NoSuchFileException x -> "no such file or directory";
            case FileAlreadyExistsException x -> f.getFile() == null || Files.isDirectory(Path.of(f.getFile())) ? "already exists" : "exists and is not a directory";
            case NotDirectoryException x -> "not a directory";
            case AccessDeniedException x -> "permission denied";
            case DirectoryNotEmptyException x -> "directory not empty";
            default -> f.getClass().getSimpleName();
        };
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
