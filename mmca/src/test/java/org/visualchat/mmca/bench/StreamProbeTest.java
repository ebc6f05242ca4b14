package org.visualchat.mmca.bench;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The stream probe reads every byte of its buffer exactly once per round, whatever the thread count. */
class StreamProbeTest {
    /** The float whose four bytes are all 1 (the buffers are filled with byte 1). */
    private static final double FILL = Float.intBitsToFloat(0x01010101);

    @Test
    void everyRoundReadsTheWholeBufferOnceWithOneTwoOrThreeThreads() {
        double expected = StreamProbe.BYTES / 4 * FILL;
        try (StreamProbe probe = new StreamProbe(3)) {
            for (int threads : new int[] {1, 3, 2, 1}) {
                double seconds = probe.roundSeconds(threads);
                assertTrue(seconds > 0 && seconds < 60, threads + " threads: " + seconds + " s");
                // A piece read twice or skipped moves the sum by a third or more; float rounding by far less.
                assertEquals(expected, probe.checksum(), 1e-3 * expected, threads + " threads");
            }
            assertTrue(probe.gbs(2, 0.01) > 0);
        }
    }

    @Test
    void badThreadCountsAreRefused() {
        try (StreamProbe probe = new StreamProbe(1)) {
            assertTrue(assertThrows(IllegalArgumentException.class, () -> probe.roundSeconds(2)).getMessage().contains("1..1 threads, asked 2"));
        }
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new StreamProbe(0)).getMessage().contains(">= 1"));
    }
}
