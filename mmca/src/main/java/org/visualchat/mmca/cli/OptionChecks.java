package org.visualchat.mmca.cli;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Range checks of command-line option values, run before a command loads or prints anything; the message names
 * the option as the user typed it and the value it got.
 */
final class OptionChecks {
    private OptionChecks() {}

    static void atLeast(String option, long value, long min) {
        if (value < min) throw new IllegalArgumentException(option + " must be >= " + min + ", got " + value);
    }

    static void between(String option, long value, long min, long max) {
        if (value < min || value > max) throw new IllegalArgumentException(option + " must be between " + min + " and " + max + ", got " + value);
    }

    /** NaN and Infinity parse as doubles but make no sense as a size or a speed. */
    static void positiveFinite(String option, double value) {
        if (!(value > 0) || Double.isInfinite(value)) throw new IllegalArgumentException(option + " must be a positive finite number, got " + value);
    }

    /** A folder the command will write into: checked before the model loads, so a typo costs no loading time. */
    static void outputDirectory(String option, Path dir) {
        Path existing = nearestExisting(dir);
        if (!Files.isDirectory(existing)) {
            throw new IllegalArgumentException(option + " " + dir + ": " + (existing.equals(dir.toAbsolutePath()) ? "exists and is not a directory" : existing + " is not a directory"));
        }
    }

    /** A file the command writes when its work is done: checked first, so the work is not wasted. */
    static void outputFile(String option, Path file) {
        if (Files.isDirectory(file)) throw new IllegalArgumentException(option + " " + file + ": is a directory");
        Path existing = nearestExisting(file.toAbsolutePath().getParent());
        if (!Files.isDirectory(existing)) throw new IllegalArgumentException(option + " " + file + ": " + existing + " is not a directory");
    }

    private static Path nearestExisting(Path path) {
        Path p = path.toAbsolutePath();
        while (!Files.exists(p) && p.getParent() != null) p = p.getParent();
        return p;
    }
}
