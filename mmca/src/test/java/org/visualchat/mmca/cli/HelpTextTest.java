package org.visualchat.mmca.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every command's {@code --help} renders cleanly: picocli formats descriptions with
 * {@code String.format}, so a bare "%" prints a warning and the raw text instead of the help.
 */
class HelpTextTest {
    @Test
    void everyCommandsHelpRendersWithoutWarnings() {
        List<List<String>> paths = new ArrayList<>();
        collect(new CommandLine(new Main()), new ArrayList<>(), paths);
        assertTrue(paths.size() > 10, "found only " + paths.size() + " commands");
        for (List<String> path : paths) {
            List<String> args = new ArrayList<>(path);
            args.add("--help");
            String out = CliRun.run(0, args.toArray(String[]::new));
            assertFalse(out.contains("WARN"), String.join(" ", args) + ":\n" + out);
            assertTrue(out.contains("Usage:"), String.join(" ", args) + ":\n" + out);
        }
    }

    private static void collect(CommandLine command, List<String> path, List<List<String>> into) {
        into.add(path);
        for (var sub : command.getSubcommands().entrySet()) {
            if (!sub.getValue().getCommandName().equals(sub.getKey())) continue; // an alias
            List<String> longer = new ArrayList<>(path);
            longer.add(sub.getKey());
            collect(sub.getValue(), longer, into);
        }
    }
}
