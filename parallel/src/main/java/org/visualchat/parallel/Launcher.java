package org.visualchat.parallel;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Starts N local worker processes with the torchrun environment contract (distributed.md §6.1–6.2):
 * MASTER_ADDR=127.0.0.1, a free MASTER_PORT, RANK, LOCAL_RANK, WORLD_SIZE, LOCAL_WORLD_SIZE, plus a fresh
 * VC_DIST_SECRET (unless one is set) and VC_DIST_RUN_ID. Supervision follows torchelastic's local agent:
 * the first worker that fails makes the launcher stop all the others (SIGTERM, then SIGKILL after a grace
 * period) and report it as the root cause.
 */
public final class Launcher {
    private Launcher() {}

    /** Running workers; {@link #close()} kills any still alive. */
    public static final class Job implements AutoCloseable {
        private final List<Process> processes;
        private final List<Path> logs;

        private Job(List<Process> processes, List<Path> logs) {
            this.processes = processes;
            this.logs = logs;
        }

        public Process process(int rank) { return processes.get(rank); }

        /** The file holding rank's stdout and stderr, or null when output is inherited. */
        public Path log(int rank) { return logs.get(rank); }

        public int size() { return processes.size(); }

        /**
         * Waits for all workers. On the first non-zero exit the others get SIGTERM, then SIGKILL after
         * {@code grace}; returns that first exit code (0 if all succeeded) and prints the root cause.
         */
        public int supervise(Duration grace, PrintStream report) throws InterruptedException {
            while (true) {
                boolean allDone = true;
                for (int r = 0; r < processes.size(); r++) {
                    Process p = processes.get(r);
                    if (p.isAlive()) {
                        allDone = false;
                    } else if (p.exitValue() != 0) {
                        report.printf("visualchat launch: rank %d (pid %d) exited with code %d; stopping the other %d ranks%n",
                                r, p.pid(), p.exitValue(), processes.size() - 1);
                        stop(grace);
                        return p.exitValue();
                    }
                }
                if (allDone) return 0;
                Thread.sleep(50);
            }
        }

        private void stop(Duration grace) throws InterruptedException {
            for (Process p : processes) if (p.isAlive()) p.destroy();
            long deadline = System.nanoTime() + grace.toNanos();
            for (Process p : processes) {
                long left = deadline - System.nanoTime();
                if (left > 0) p.waitFor(left, TimeUnit.NANOSECONDS);
                if (p.isAlive()) p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        }

        @Override
        public void close() {
            for (Process p : processes) {
                if (!p.isAlive()) continue;
                p.destroyForcibly();
                try {
                    p.waitFor(5, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    /**
     * Starts {@code nproc} copies of {@code command} with the rank environment. {@code logDir} non-null:
     * each rank's output goes to {@code rank-<r>.log} there; null: output is inherited.
     */
    public static Job start(int nproc, List<String> command, Map<String, String> extraEnv, Path logDir) throws IOException {
        if (nproc < 1) throw new IllegalArgumentException("--nproc must be at least 1, got " + nproc);
        if (command.isEmpty()) throw new IllegalArgumentException("no command to launch");
        int port = freePort();
        String secret = System.getenv("VC_DIST_SECRET");
        if (secret == null || secret.isBlank()) secret = randomHex(32);
        String runId = randomHex(8);
        List<Process> processes = new ArrayList<>();
        List<Path> logs = new ArrayList<>();
        Job job = new Job(processes, logs);
        try {
            for (int r = 0; r < nproc; r++) {
                ProcessBuilder pb = new ProcessBuilder(command);
                Map<String, String> env = pb.environment();
                env.putAll(extraEnv);
                env.put("MASTER_ADDR", "127.0.0.1");
                env.put("MASTER_PORT", Integer.toString(port));
                env.put("WORLD_SIZE", Integer.toString(nproc));
                env.put("LOCAL_WORLD_SIZE", Integer.toString(nproc));
                env.put("RANK", Integer.toString(r));
                env.put("LOCAL_RANK", Integer.toString(r));
                env.put("VC_DIST_SECRET", secret);
                env.put("VC_DIST_RUN_ID", runId);
                Path log = null;
                if (logDir != null) {
                    Files.createDirectories(logDir);
                    log = logDir.resolve("rank-" + r + ".log");
                    pb.redirectErrorStream(true).redirectOutput(log.toFile());
                } else {
                    pb.inheritIO();
                }
                logs.add(log);
                processes.add(pb.start());
            }
        } catch (IOException | RuntimeException e) {
            job.close();
            throw e;
        }
        return job;
    }

    /** {@code java} of this JVM with its class path and the project's JVM flags, running {@code mainClass}. */
    public static List<String> javaCommand(List<String> jvmArgs, String mainClass, List<String> args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        cmd.addAll(List.of("--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"));
        cmd.addAll(jvmArgs);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), mainClass));
        cmd.addAll(args);
        return cmd;
    }

    /**
     * A port that was free a moment ago, for rank 0 to bind later. It is drawn below the kernel's ephemeral range
     * ({@code ip_local_port_range}): a port from inside it could be handed to any outgoing connection or
     * {@code bind(0)} on the machine between now and rank 0's bind (seconds later for a process that still has to
     * start its JVM), and the other ranks would then wait out the whole rendezvous deadline for a rank 0 that had
     * failed at once. Another process choosing the same port remains possible; the rendezvous reports that clearly.
     */
    public static int freePort() {
        int low = ephemeralPortsStart(), span = Math.min(10_000, low - 1024);
        ThreadLocalRandom random = ThreadLocalRandom.current();
        for (int attempt = 0; span > 0 && attempt < 64; attempt++) {
            int port = low - 1 - random.nextInt(span);
            try (ServerSocket s = new ServerSocket()) {
                s.bind(new InetSocketAddress(port));
                return port;
            } catch (IOException inUse) {
                // try another
            }
        }
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot find a free port", e);
        }
    }

    /** The first port of the kernel's ephemeral range (Linux); IANA's 49152 elsewhere. */
    private static int ephemeralPortsStart() {
        try {
            String range = Files.readString(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).trim();
            return Integer.parseInt(range.split("\\s+")[0]);
        } catch (IOException | RuntimeException e) {
            return 49152;
        }
    }

    private static String randomHex(int bytes) {
        byte[] b = new byte[bytes];
        new SecureRandom().nextBytes(b);
        return HexFormat.of().formatHex(b);
    }
}
