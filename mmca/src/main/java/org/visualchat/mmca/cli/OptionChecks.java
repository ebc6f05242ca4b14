package org.visualchat.mmca.cli;

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
}
