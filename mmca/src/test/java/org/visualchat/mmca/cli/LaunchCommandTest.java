package org.visualchat.mmca.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** {@code visualchat launch} refuses rank counts and grace periods that make no sense before starting any JVM. */
class LaunchCommandTest {
    @Test
    void badOptionsAreRefusedBeforeAnyRankStarts() {
        assertEquals("visualchat launch: --nproc must be at most 256 (each rank is a JVM on this machine), got 100000\n",
                CliRun.run(1, "launch", "--nproc", "100000", "--", "plan"));
        assertEquals("visualchat launch: --nproc must be at least 1, got 0\n", CliRun.run(1, "launch", "--nproc", "0", "--", "plan"));
        assertEquals("visualchat launch: --grace-seconds must be >= 0, got -5\n",
                CliRun.run(1, "launch", "--nproc", "1", "--grace-seconds", "-5", "--", "plan"));
    }
}
