package org.visualchat.parallel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Separate JVMs on loopback, started by {@link Launcher} (distributed.md §8.3 F1, F2): a rank killed or
 * frozen mid all-reduce makes every other rank exit with an error naming it within 2× the op timeout.
 */
@Tag("slow")
class MultiProcessFaultTest {
    private static final int TIMEOUT_MS = 3000;
    /** JVM start-up and teardown slack on a loaded 2-core machine; a liveness bound, not a timing claim. */
    private static final long SLACK_MS = 15_000;

    @TempDir
    Path logs;

    @Test
    void killedRankMakesTheOthersFailNamingIt() throws Exception {
        survivorsNameRank1(false);
    }

    @Test
    void stoppedRankMakesTheOthersTimeOutNamingIt() throws Exception {
        survivorsNameRank1(true);
    }

    private void survivorsNameRank1(boolean stop) throws Exception {
        List<String> cmd = Launcher.javaCommand(List.of("-Xmx256m", "-XX:TieredStopAtLevel=1"), FaultWorker.class.getName(), List.of());
        try (Launcher.Job job = Launcher.start(3, cmd, Map.of("VC_DIST_TIMEOUT_MS", Integer.toString(TIMEOUT_MS)), logs)) {
            for (int r = 0; r < 3; r++) awaitLine(job, r, "ITER 2");
            Process victim = job.process(1);
            if (stop) {
                new ProcessBuilder("kill", "-STOP", Long.toString(victim.pid())).start().waitFor();
            } else {
                victim.destroyForcibly();
            }
            for (int r : new int[] {0, 2}) {
                Process p = job.process(r);
                assertTrue(p.waitFor(2L * TIMEOUT_MS + SLACK_MS, TimeUnit.MILLISECONDS), "rank " + r + " hung; log:\n" + log(job, r));
                assertEquals(3, p.exitValue(), log(job, r));
                String failed = log(job, r).lines().filter(l -> l.startsWith("FAILED")).findFirst().orElse("");
                assertTrue(failed.contains("rank 1"), "rank " + r + ": " + failed);
                assertTrue(stop ? failed.contains("timed out") && failed.contains("rank 1 silent for")
                        : failed.startsWith("FAILED PEER_CLOSED") || failed.startsWith("FAILED ABORTED"), "rank " + r + ": " + failed);
            }
        }
    }

    private static void awaitLine(Launcher.Job job, int rank, String line) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!log(job, rank).contains(line)) {
            assertTrue(job.process(rank).isAlive(), "rank " + rank + " exited early:\n" + log(job, rank));
            assertTrue(System.nanoTime() < deadline, "rank " + rank + " never printed '" + line + "':\n" + log(job, rank));
            Thread.sleep(50);
        }
    }

    private static String log(Launcher.Job job, int rank) throws Exception {
        return Files.exists(job.log(rank)) ? Files.readString(job.log(rank)) : "";
    }
}
