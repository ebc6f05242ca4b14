package org.visualchat.mmca.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * numpy (OpenBLAS) as a peer measured in the same run (SGEMM GFLOP/s, and read bandwidth through np.dot):
 * {@code bench/peers/numpy_gemm.py --serve} runs
 * as a child process with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE removed (they force the AVX2 kernel
 * on this machine) and answers one shape at a time, so Java and numpy take turns on the same host.
 */
public final class NumpyPeer implements AutoCloseable {
    static final String SCRIPT = "bench/peers/numpy_gemm.py";

    private final Process process;
    private final PrintWriter requests;
    private final BufferedReader answers;
    private final String version;

    private NumpyPeer(Process process) throws IOException {
        this.process = process;
        this.requests = new PrintWriter(process.getOutputStream(), true, StandardCharsets.UTF_8);
        this.answers = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        String hello = answers.readLine();
        if (hello == null || !hello.startsWith("ready")) throw new IOException("numpy peer did not start: " + hello);
        this.version = hello.substring("ready ".length());
    }

    /** A running peer with {@code threads} OpenBLAS threads, or why there is none. */
    public static Optional<NumpyPeer> start(int threads, StringBuilder whyNot) {
        Optional<Path> script = findScript();
        if (script.isEmpty()) {
            whyNot.append(SCRIPT).append(" not found above ").append(Path.of("").toAbsolutePath());
            return Optional.empty();
        }
        try {
            ProcessBuilder pb = new ProcessBuilder("python3", script.get().toString(), "--serve", "--threads", Integer.toString(threads));
            pb.environment().remove("OPENBLAS_CORETYPE");
            pb.environment().remove("OPENBLAS_L2_SIZE");
            pb.environment().put("OPENBLAS_NUM_THREADS", Integer.toString(threads));
            pb.redirectError(ProcessBuilder.Redirect.DISCARD);
            return Optional.of(new NumpyPeer(pb.start()));
        } catch (IOException e) {
            whyNot.append("python3 with numpy is not available (").append(e.getMessage()).append(')');
            return Optional.empty();
        }
    }

    /** "numpy 2.x" as the peer reported it. */
    public String version() {
        return version;
    }

    /** numpy's median GFLOP/s for a shape (MxNxK or MxNxKt), measured for about {@code seconds}. */
    public double gflops(String shape, double seconds) throws IOException {
        return ask(shape + " " + seconds, shape);
    }

    /**
     * numpy's median GB/s reading a float32 array of {@code bytes} (np.dot of the array with itself,
     * OpenBLAS sdot), measured for about {@code seconds}: the read-bandwidth yardstick.
     */
    public double readGbs(long bytes, double seconds) throws IOException {
        return ask("dot " + bytes + " " + seconds, "np.dot over " + bytes + " bytes");
    }

    /** Sends one request line; the number at the end of the answer. */
    private double ask(String request, String what) throws IOException {
        requests.println(request);
        String line = answers.readLine();
        if (line == null) throw new IOException("numpy peer exited while timing " + what);
        String[] parts = line.trim().split("\\s+");
        return Double.parseDouble(parts[parts.length - 1]);
    }

    /** The script, looked for above the working directory and above where this code was loaded from. */
    private static Optional<Path> findScript() {
        List<Path> starts = new java.util.ArrayList<>(List.of(Path.of("").toAbsolutePath()));
        try {
            starts.add(Path.of(NumpyPeer.class.getProtectionDomain().getCodeSource().getLocation().toURI()));
        } catch (Exception ignored) {
            // no code source (unusual class loader): the working directory is still searched
        }
        for (Path start : starts) {
            for (Path dir = start; dir != null; dir = dir.getParent()) {
                Path candidate = dir.resolve(SCRIPT);
                if (Files.isRegularFile(candidate)) return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    @Override
    public void close() {
        requests.close();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) process.destroyForcibly();
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
