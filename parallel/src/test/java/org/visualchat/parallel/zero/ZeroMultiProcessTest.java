package org.visualchat.parallel.zero;

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
import org.visualchat.nn.optim.AdamW;
import org.visualchat.parallel.Launcher;
import org.visualchat.tensor.Tensor;
import org.visualchat.tensor.io.SafetensorsFile;

/**
 * Separate JVMs started by {@link Launcher} (distributed.md §8.3 F1, F8, F9, G2): ZeRO-2 on 2 processes,
 * rank 1 killed mid-run (the survivor exits naming it within 2× the op timeout), a relaunch on 3 processes
 * under ZeRO-3 resumes from the last complete checkpoint, and the final consolidated parameters equal
 * uninterrupted single-process training.
 */
@Tag("slow")
class ZeroMultiProcessTest {
    static final int GLOBAL_BATCH = 6, STEPS = 4, DIE_AT = 2, TIMEOUT_MS = 4000;
    /** JVM start-up and teardown slack on a loaded 2-core machine; a liveness bound, not a timing claim. */
    private static final long SLACK_MS = 20_000;

    @TempDir
    Path tmp;

    @Test
    void killedRankFailsTheJobAndARelaunchAtAnotherWorldSizeFinishesTheRun() throws Exception {
        Path ckpt = tmp.resolve("ckpt");
        Map<String, String> env = Map.of("VC_DIST_TIMEOUT_MS", Integer.toString(TIMEOUT_MS));
        try (Launcher.Job job = Launcher.start(2, worker(2, DIE_AT), env, tmp.resolve("logs-1"))) {
            Process survivor = job.process(0);
            assertTrue(job.process(1).waitFor(120, TimeUnit.SECONDS), "rank 1 never died:\n" + log(job, 1));
            long died = System.nanoTime();
            assertTrue(survivor.waitFor(2L * TIMEOUT_MS + SLACK_MS, TimeUnit.MILLISECONDS), "rank 0 hung:\n" + log(job, 0));
            assertTrue((System.nanoTime() - died) / 1e6 < 2L * TIMEOUT_MS + SLACK_MS);
            assertEquals(3, survivor.exitValue(), log(job, 0));
            String failed = log(job, 0).lines().filter(l -> l.startsWith("FAILED")).findFirst().orElse("");
            assertTrue(failed.contains("rank 1"), failed);
        }
        assertEquals("step-00000002", Files.readString(ckpt.resolve(ZeroCheckpoint.LATEST)).trim());
        try (Launcher.Job job = Launcher.start(3, worker(3, -1), env, tmp.resolve("logs-2"))) {
            for (int r = 0; r < 3; r++) {
                assertTrue(job.process(r).waitFor(180, TimeUnit.SECONDS), "rank " + r + " hung:\n" + log(job, r));
                assertEquals(0, job.process(r).exitValue(), log(job, r));
            }
            assertTrue(log(job, 0).contains("RESUMED at step 2 on 3 ranks"), log(job, 0));
        }
        Path merged = tmp.resolve("final.safetensors");
        ZeroCheckpoint.consolidate(ckpt, merged);
        Map<String, Tensor> reference = singleProcess();
        try (SafetensorsFile f = SafetensorsFile.open(merged)) {
            reference.forEach((n, t) -> {
                float[] want = t.toFloatArray(), got = f.tensor(n).toFloatArray();
                for (int i = 0; i < want.length; i++) assertEquals(want[i], got[i], 2e-5, n + "[" + i + "]");
            });
        }
    }

    private List<String> worker(int stage, int dieAt) {
        return Launcher.javaCommand(List.of("-Xmx256m", "-XX:TieredStopAtLevel=1"), ZeroTrainWorker.class.getName(),
                List.of(Integer.toString(stage), Integer.toString(STEPS), tmp.resolve("ckpt").toString(), Integer.toString(dieAt)));
    }

    /** The plain loop on the whole global batch, for {@link #STEPS} steps. */
    private static Map<String, Tensor> singleProcess() {
        TinyVisualChat m = new TinyVisualChat();
        AdamW opt = new AdamW(ZeroTraining.groups(m));
        ZeroTraining.singleProcess(m, opt, STEPS, 1, GLOBAL_BATCH, null, null);
        Map<String, Tensor> out = new java.util.LinkedHashMap<>();
        m.trainableParameters().forEach((n, p) -> out.put(n, p.value()));
        return out;
    }

    private static String log(Launcher.Job job, int rank) throws Exception {
        return Files.exists(job.log(rank)) ? Files.readString(job.log(rank)) : "";
    }
}
