package org.visualchat.vision.image;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The Pillow reference fixtures: built once per checkout by {@code src/test/fixtures/make-image-fixtures.sh}
 * into {@code target/image-fixtures} (or {@code -Dvc.imageFixtures=DIR}) when missing. If the script
 * cannot run, the tests that need it fail with the script's own explanation; they never skip.
 */
final class PillowFixtures {
    /** One image and its reference outputs (see pillow_reference.py for what each file holds). */
    record Case(String name, String file, int width, int height, boolean hasUpright, String description) {
        Path image() { return dir().resolve("images").resolve(file); }

        Path ref(String suffix) { return dir().resolve("ref").resolve(name + "." + suffix); }

        @Override public String toString() { return name + " (" + description + ")"; }
    }

    private static final Path SCRIPT = Path.of("src/test/fixtures/make-image-fixtures.sh");
    private static Path dir;

    private PillowFixtures() {}

    static synchronized Path dir() {
        if (dir != null) return dir;
        Path d = Path.of(System.getProperty("vc.imageFixtures", "target/image-fixtures")).toAbsolutePath();
        if (!Files.isRegularFile(d.resolve("manifest.tsv"))) build(d);
        dir = d;
        return d;
    }

    private static void build(Path d) {
        Path log = d.resolveSibling(d.getFileName() + ".log");
        try {
            Files.createDirectories(d.getParent());
            Process p = new ProcessBuilder("bash", SCRIPT.toString(), d.toString())
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            boolean done = p.waitFor(15, TimeUnit.MINUTES);
            if (!done) p.destroyForcibly();
            if (!done || p.exitValue() != 0) {
                List<String> lines = Files.readAllLines(log);
                String tail = String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
                throw new AssertionError("Building the Pillow image fixtures failed (" + (done ? "exit " + p.exitValue() : "timed out")
                        + "): bash " + SCRIPT + " " + d + "\n" + tail + "\n(full log: " + log + ")");
            }
        } catch (IOException e) {
            throw new AssertionError("Cannot run the image fixture script " + SCRIPT.toAbsolutePath() + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while building the image fixtures", e);
        }
    }

    static List<Case> cases() {
        try {
            List<String> lines = Files.readAllLines(dir().resolve("manifest.tsv"));
            List<Case> cases = new ArrayList<>();
            for (String line : lines.subList(1, lines.size())) {
                String[] f = line.split("\t");
                cases.add(new Case(f[0], f[1], Integer.parseInt(f[2]), Integer.parseInt(f[3]), f[4].equals("1"), f[5]));
            }
            return cases;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] u8(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static float[] f32(Path file) {
        ByteBuffer b = ByteBuffer.wrap(u8(file)).order(ByteOrder.LITTLE_ENDIAN);
        float[] out = new float[b.remaining() / 4];
        b.asFloatBuffer().get(out);
        return out;
    }
}
