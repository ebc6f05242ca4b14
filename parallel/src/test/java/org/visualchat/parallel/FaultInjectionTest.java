package org.visualchat.parallel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.visualchat.tensor.DType;

/** In-JVM failure tests: every rank must fail with a clear error and nothing may hang (distributed.md §8.3 E, F). */
class FaultInjectionTest {

    private static DistributedException failure(Object result, int rank) {
        return assertInstanceOf(DistributedException.class, result, "rank " + rank + " should have failed, got " + result);
    }

    @Test
    void mismatchedCollectivesNameBothCalls() {
        int port = Launcher.freePort();
        List<Object> res = LocalRanks.run(2, r -> LocalRanks.options(r, 2, port, Duration.ofSeconds(10)), pg -> {
            float[] buf = new float[100];
            if (pg.rank() == 0) pg.allReduce(buf, ReduceOp.SUM);
            else pg.allGather(new float[50], buf, Split.balanced(100, 2));
            return "returned";
        });
        for (int r = 0; r < 2; r++) {
            DistributedException e = failure(res.get(r), r);
            assertTrue(Set.of(DistributedException.Kind.MISMATCH, DistributedException.Kind.ABORTED).contains(e.kind()), e.toString());
            assertTrue(e.getMessage().contains("ALL_REDUCE(F32, 100) seq 0") && e.getMessage().contains("ALL_GATHER(F32, 100) seq 0"),
                    e.getMessage());
        }
    }

    /**
     * Rank 2 misses a broadcast it roots: ranks 0 and 1 both wait for it directly (a small broadcast is one
     * step) and neither sends anything, so whichever times out first names rank 2, however unevenly a loaded
     * machine schedules them. Rank 2 then waits for a message only once both have failed (an event, not a
     * sleep), so the only thing that can end its wait is their ABORT.
     */
    @Test
    void timeoutNamesTheMissingRankAndAbortsEveryone() {
        int port = Launcher.freePort();
        CountDownLatch othersFailed = new CountDownLatch(2);
        List<Object> res = LocalRanks.run(3, r -> LocalRanks.options(r, 3, port, Duration.ofSeconds(2))
                .withAlgorithmSizes(GroupOptions.DEFAULT_SEGMENT_BYTES, 1 << 16), pg -> {
            if (pg.rank() == 2) {
                assertTrue(othersFailed.await(60, TimeUnit.SECONDS), "ranks 0 and 1 never timed out");
                pg.recv(MemorySegment.ofArray(new float[1]), DType.F32, 1, 0, 0);
            } else {
                try {
                    pg.broadcast(new float[1000], 2);
                } finally {
                    othersFailed.countDown();
                }
            }
            return "returned";
        });
        for (int r = 0; r < 3; r++) {
            DistributedException e = failure(res.get(r), r);
            assertTrue(e.getMessage().contains("waiting for rank 2"), e.getMessage());
        }
        assertEquals(DistributedException.Kind.ABORTED, failure(res.get(2), 2).kind());
    }

    @Test
    void corruptedFrameIsACrcErrorNotWrongNumbers() throws Exception {
        assertCorruptionIsACrcError(false, pg -> {
            float[] buf = new float[1 << 20];
            java.util.Arrays.fill(buf, 1f);
            pg.allReduce(buf, ReduceOp.SUM);
            return "returned";
        });
    }

    /** The same with native memory: all-gather frames are received straight into the caller's posted buffer. */
    @Test
    void corruptedFrameReceivedInPlaceIsACrcError() throws Exception {
        assertCorruptionIsACrcError(true, pg -> {
            java.lang.foreign.MemorySegment buf = java.lang.foreign.Arena.ofAuto().allocate(4L << 20);
            if (pg.rank() == 1) Thread.sleep(300);   // rank 0 posts its receives before rank 1's frames arrive
            pg.allGather(buf.asSlice(pg.rank() * (2L << 20), 2L << 20), buf, org.visualchat.tensor.DType.F32, Split.balanced(1 << 20, 2));
            return "returned";
        });
    }

    /** Rank 1's stream to rank 0 passes a proxy that flips a byte 300 000 bytes in (a frame's payload). */
    private static void assertCorruptionIsACrcError(boolean bodyMayEndOnRank1, LocalRanks.Body<?> body) throws Exception {
        int port = Launcher.freePort(), rank0Data = Launcher.freePort();
        try (CorruptingProxy proxy = new CorruptingProxy(rank0Data, 300_000)) {
            List<Object> res = LocalRanks.run(2, r -> {
                GroupOptions o = LocalRanks.options(r, 2, port, Duration.ofSeconds(10));
                return r == 0 ? o.withDataAddress(rank0Data, "127.0.0.1", proxy.port()) : o;
            }, body);
            for (int r = 0; r < 2; r++) {
                // In a 2-rank all-gather rank 1 may have everything it needs before rank 0's ABORT arrives.
                if (r == 1 && bodyMayEndOnRank1 && "returned".equals(res.get(1))) continue;
                DistributedException e = failure(res.get(r), r);
                assertTrue(e.getMessage().contains("CRC32C mismatch"), e.getMessage());
            }
            assertEquals(DistributedException.Kind.CORRUPT_FRAME, failure(res.get(0), 0).kind());
        }
    }

    /** Rank 0 waits out the rendezvous deadline (5× the op timeout) for rank 1; both must join within it. */
    @Test
    void rankWithoutTheSecretIsRefused() {
        int port = Launcher.freePort();
        List<Object> res = LocalRanks.run(2, r -> {
            GroupOptions o = LocalRanks.options(r, 2, port, Duration.ofSeconds(1));
            return r == 1 ? o.withSecret("not-the-secret".getBytes(StandardCharsets.UTF_8)) : o;
        }, pg -> "joined");
        assertTrue(failure(res.get(0), 0).getMessage().contains("missing ranks [1]"), res.get(0).toString());
        assertTrue(failure(res.get(1), 1).getMessage().contains("wrong VC_DIST_SECRET"), res.get(1).toString());
    }

    @Test
    void environmentErrorsNameTheVariable() {
        var e = org.junit.jupiter.api.Assertions.assertThrows(DistributedException.class,
                () -> GroupOptions.fromEnv(java.util.Map.of("RANK", "0", "WORLD_SIZE", "two")));
        assertTrue(e.getMessage().contains("WORLD_SIZE must be an integer, got 'two'"), e.getMessage());
        e = org.junit.jupiter.api.Assertions.assertThrows(DistributedException.class, () -> GroupOptions.fromEnv(
                java.util.Map.of("RANK", "0", "WORLD_SIZE", "2", "MASTER_ADDR", "127.0.0.1", "MASTER_PORT", "1234")));
        assertTrue(e.getMessage().contains("VC_DIST_SECRET"), e.getMessage());
    }
}
