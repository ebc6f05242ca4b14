package org.visualchat.parallel.zero;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.visualchat.nn.optim.OptimizerState;
import org.visualchat.parallel.ProcessGroup;
import org.visualchat.tensor.DType;
import org.visualchat.tensor.Tensor;
import org.visualchat.tensor.io.AtomicFile;
import org.visualchat.tensor.io.SafetensorsFile;
import org.visualchat.tensor.io.SafetensorsWriter;

/**
 * Sharded ZeRO checkpoints (distributed.md §5.4): one directory per step holding, per rank,
 * {@code rank-0000r-of-0000p.safetensors} with that rank's F32 master slices ({@code <param>}) and optimizer
 * state slices ({@code <param>.<slot>}, e.g. {@code exp_avg}), plus {@code manifest.json} (world size, stage,
 * step, every parameter's shape, dtype and per-rank element ranges, optimizer counters, the caller's extra
 * state). Every file is written atomically (temp + fsync + rename); the manifest is written after every
 * rank file exists and {@code latest} (naming the step directory) last, so a crash at any point leaves
 * {@code latest} on the previous complete checkpoint. Frozen parameters are not written (they come from
 * their own files). Loading works at any world size and stage 1–3: each rank copies the parts of the stored
 * ranges that intersect its new slices.
 */
public final class ZeroCheckpoint {
    public static final String LATEST = "latest";
    public static final String MANIFEST = "manifest.json";
    static final String FORMAT = "visualchat-zero/1";

    private ZeroCheckpoint() {}

    /** The rank file name inside a step directory. */
    public static String rankFile(int rank, int world) {
        return String.format("rank-%05d-of-%05d.safetensors", rank, world);
    }

    /**
     * Writes this rank's part of the checkpoint of {@code step} under {@code root} (a collective: every rank
     * calls it). {@code extra} (data position, RNG seeds, …) is stored in the manifest.
     */
    public static Path save(ZeroEngine zero, Path root, long step, Map<String, String> extra) throws IOException {
        requireSharded(zero);
        ProcessGroup pg = zero.group();
        String stepName = String.format("step-%08d", step);
        Path dir = root.resolve(stepName);
        OptimizerState state = zero.optimizer().state();
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (Slot s : zero.slots().values()) {
            if (s.master == null) continue;
            tensors.put(s.name, s.master.value());
            state.tensors().forEach((k, t) -> { if (k.startsWith(s.name + ".")) tensors.put(k, t); });
        }
        SafetensorsWriter.write(dir.resolve(rankFile(pg.rank(), pg.size())), tensors, Map.of("rank", Integer.toString(pg.rank())));
        pg.barrier();
        if (pg.rank() == 0) {
            writeText(dir.resolve(MANIFEST), Manifest.of(zero, step, state, extra).toJson());
            writeText(root.resolve(LATEST), stepName + "\n");
        }
        pg.barrier();
        return dir;
    }

    /**
     * Loads the checkpoint {@code latest} names under {@code root} into {@code zero}'s slices, whatever world
     * size wrote it (a collective), and returns its manifest (step and extra state to resume from).
     */
    public static Manifest load(ZeroEngine zero, Path root) throws IOException {
        requireSharded(zero);
        Path dir = latestDirectory(root);
        Manifest m = Manifest.read(dir.resolve(MANIFEST));
        List<SafetensorsFile> files = openRankFiles(dir, m.worldSize());
        try {
            Map<String, Tensor> state = new LinkedHashMap<>();
            Map<String, Long> counters = new LinkedHashMap<>();
            for (Slot s : zero.slots().values()) {
                if (!s.trainable) continue;
                Manifest.Param p = m.param(s.name);
                if (!java.util.Arrays.equals(p.shape(), s.shape)) {
                    throw new IllegalArgumentException(dir + ": parameter '" + s.name + "' has shape " + java.util.Arrays.toString(p.shape())
                            + " in the checkpoint but " + java.util.Arrays.toString(s.shape) + " in the model");
                }
                if (s.master == null) continue;
                s.master.setValue(assemble(files, dir, m, p, s.name, s.offset, s.count));
                for (String slot : m.slots()) state.put(s.name + "." + slot, assemble(files, dir, m, p, s.name + "." + slot, s.offset, s.count));
                m.counters().forEach((k, v) -> { if (k.startsWith(s.name + ".")) counters.put(k, v); });
            }
            zero.optimizer().loadState(new OptimizerState(state, counters));
        } finally {
            for (SafetensorsFile f : files) f.close();
        }
        zero.republish();
        return m;
    }

    /**
     * Writes every trainable parameter whole, F32, into one safetensors file, one tensor in memory at a time
     * (DeepSpeed's {@code zero_to_fp32}); returns the manifest it followed.
     */
    public static Manifest consolidate(Path root, Path out) throws IOException {
        Path dir = latestDirectory(root);
        Manifest m = Manifest.read(dir.resolve(MANIFEST));
        List<SafetensorsFile> files = openRankFiles(dir, m.worldSize());
        try {
            Map<String, SafetensorsWriter.Spec> specs = new TreeMap<>();
            for (Manifest.Param p : m.params().values()) specs.put(p.name(), new SafetensorsWriter.Spec(DType.F32, p.shape()));
            SafetensorsWriter.writeStreaming(out, specs, Map.of("format", "pt", "step", Long.toString(m.step())), name -> {
                Manifest.Param p = m.param(name);
                return assemble(files, dir, m, p, name, 0, p.numel()).reshape(p.shape());
            });
        } finally {
            for (SafetensorsFile f : files) f.close();
        }
        return m;
    }

    /** The step directory {@code root/latest} names. */
    public static Path latestDirectory(Path root) throws IOException {
        Path latest = root.resolve(LATEST);
        if (!Files.isDirectory(root)) throw new IllegalArgumentException(root + (Files.exists(root) ? ": not a directory" : ": no such directory"));
        if (!Files.exists(latest)) throw new IllegalArgumentException(root + ": no '" + LATEST + "' file, so no complete checkpoint" + subfolderHint(root));
        String name = Files.readString(latest, StandardCharsets.UTF_8).trim();
        if (name.isEmpty() || name.contains("/") || name.contains("..")) throw new IllegalArgumentException(latest + ": not a step directory name: '" + name + "'");
        return root.resolve(name);
    }

    /** Where a folder holds a checkpoint (as a training run's output_dir holds its zero/), names it: the user likely meant it. */
    private static String subfolderHint(Path root) throws IOException {
        try (Stream<Path> children = Files.list(root)) {
            return children.filter(c -> Files.isRegularFile(c.resolve(LATEST))).sorted().findFirst().map(c -> "; " + c + " has one").orElse("");
        }
    }

    /** Elements [from, from + count) of {@code tensor} (flat F32), copied out of the rank files whose ranges overlap them. */
    private static Tensor assemble(List<SafetensorsFile> files, Path dir, Manifest m, Manifest.Param p, String tensor, long from, long count) {
        Tensor out = Tensor.zeros(Math.toIntExact(count));
        for (int r = 0; r < m.worldSize(); r++) {
            long lo = Math.max(from, p.offset(r)), hi = Math.min(from + count, p.offset(r) + p.count(r));
            if (lo >= hi) continue;
            Path file = dir.resolve(rankFile(r, m.worldSize()));
            if (!files.get(r).contains(tensor)) throw new IllegalArgumentException(file + ": tensor '" + tensor + "' is missing");
            Tensor stored = files.get(r).tensor(tensor);
            if (stored.dtype() != DType.F32 || stored.numel() != p.count(r)) {
                throw new IllegalArgumentException(file + ": tensor '" + tensor + "' is " + stored.dtype() + java.util.Arrays.toString(stored.shape())
                        + ", expected F32[" + p.count(r) + "] per the manifest");
            }
            stored.narrow(0, Math.toIntExact(lo - p.offset(r)), Math.toIntExact(hi - lo)).copyTo(out.narrow(0, Math.toIntExact(lo - from), Math.toIntExact(hi - lo)));
        }
        return out;
    }

    private static List<SafetensorsFile> openRankFiles(Path dir, int world) throws IOException {
        List<String> missing = new ArrayList<>();
        for (int r = 0; r < world; r++) if (!Files.exists(dir.resolve(rankFile(r, world)))) missing.add(rankFile(r, world));
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException(dir + ": expected " + world + " rank files, " + missing.size() + " missing: " + missing);
        }
        List<SafetensorsFile> files = new ArrayList<>();
        try {
            for (int r = 0; r < world; r++) files.add(SafetensorsFile.open(dir.resolve(rankFile(r, world))));
        } catch (IOException | RuntimeException e) {
            for (SafetensorsFile f : files) f.close();
            throw e;
        }
        return files;
    }

    private static void requireSharded(ZeroEngine zero) {
        if (zero.config().stage() == 0) {
            throw new IllegalArgumentException("stage 0 replicates everything: save it with nn's TrainingCheckpoint from rank 0 instead of a sharded checkpoint");
        }
    }

    private static void writeText(Path file, String text) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        AtomicFile.write(file, channel -> {
            ByteBuffer b = ByteBuffer.wrap(bytes);
            while (b.hasRemaining()) channel.write(b);
        });
    }
}
