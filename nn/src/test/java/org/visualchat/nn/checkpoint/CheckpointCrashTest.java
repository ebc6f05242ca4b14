package org.visualchat.nn.checkpoint;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.visualchat.autograd.Variable;
import org.visualchat.nn.Linear;
import org.visualchat.nn.Module;
import org.visualchat.nn.optim.AdamW;
import org.visualchat.nn.optim.LrSchedule;
import org.visualchat.nn.optim.ParamGroup;
import org.visualchat.nn.optim.Scheduler;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** kill -9 of a process in the middle of writing a checkpoint leaves the previous checkpoint loadable. */
class CheckpointCrashTest {
    /** ~4.2M parameters: each checkpoint (weights + two Adam moments) is ~50 MB, a write long enough to hit. */
    static final class Big extends Module {
        Big() {
            for (int i = 0; i < 4; i++) child("layer" + i, new Linear(1024, 1024, true, i));
        }
    }

    @Test
    void killedMidWriteLeavesTheLastCompleteCheckpoint(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("checkpoint.safetensors");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process child = new ProcessBuilder(java, "--add-modules", "jdk.incubator.vector", "-Xmx1g",
                "-cp", System.getProperty("java.class.path"), CheckpointWriterProcess.class.getName(), file.toString())
                .redirectErrorStream(true).start();
        AtomicLong saved = new AtomicLong();
        Thread reader = Thread.ofVirtual().start(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = in.readLine()) != null; ) if (line.startsWith("saved ")) saved.set(Long.parseLong(line.substring(6)));
            } catch (Exception ignored) {
                // the stream closes when the child is killed
            }
        });
        boolean killedMidWrite = false;
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            while (System.nanoTime() < deadline && child.isAlive()) {
                if (saved.get() >= 2 && hasTempFile(dir)) {
                    child.destroyForcibly();   // SIGKILL on Linux: no shutdown hooks, no cleanup
                    killedMidWrite = true;
                    break;
                }
                Thread.sleep(1);
            }
        } finally {
            child.destroyForcibly();
            assertTrue(child.waitFor(30, TimeUnit.SECONDS), "child did not exit");
            reader.join(5_000);
        }
        assertTrue(killedMidWrite, "never caught the child mid-write (saved " + saved.get() + ")");

        Big model = new Big();
        AdamW opt = new AdamW(ParamGroup.reference(model.trainableParameters(), 1e-3, 1e-3, 0));
        Scheduler sched = new Scheduler(opt, new LrSchedule(LrSchedule.Kind.CONSTANT, 0, 10));
        TrainingState state = TrainingCheckpoint.load(file, model, opt, sched);
        long k = state.step();
        assertTrue(k >= saved.get() && k >= 2, "loaded generation " + k + ", last reported " + saved.get());
        assertEquals(k, state.rng().get("data"));
        for (Variable p : model.namedParameters().values()) {
            for (float v : p.value().toFloatArray()) assertEquals((float) k, v);
        }
    }

    private static boolean hasTempFile(Path dir) throws Exception {
        try (Stream<Path> files = Files.list(dir)) {
            return files.anyMatch(p -> p.getFileName().toString().endsWith(".tmp"));
        }
    }
}
