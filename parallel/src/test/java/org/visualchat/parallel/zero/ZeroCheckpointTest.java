package org.visualchat.parallel.zero;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.visualchat.nn.optim.AdamW;
import org.visualchat.parallel.LocalRanks;
import org.visualchat.tensor.Tensor;
import org.visualchat.tensor.io.SafetensorsFile;

/** Sharded checkpoints (distributed.md §8.3 H): save at p = 2, consolidate, resume at p = 3 and p = 1. */
class ZeroCheckpointTest {
    static final int GLOBAL_BATCH = 6;

    @TempDir
    Path root;

    record Run(Map<String, Tensor> atSave, List<Double> losses, Map<String, Tensor> atEnd) {}

    private Run trainSaveContinue(int world, int stage) {
        List<Object> out = LocalRanks.runAll(world, Duration.ofSeconds(30), pg -> {
            TinyVisualChat m = new TinyVisualChat();
            try (ZeroEngine zero = new ZeroEngine(pg, m, ZeroTraining.groups(m), AdamW::new,
                    ZeroConfig.stage(stage).withGradientClipping(ZeroTraining.CLIP), m.units())) {
                ZeroTraining.run(pg, zero, m, 0, 2, 1, GLOBAL_BATCH, null);
                ZeroCheckpoint.save(zero, root, 2, Map.of("next_step", "2"));
                Map<String, Tensor> atSave = zero.fullTrainableParameters();
                List<Double> losses = ZeroTraining.run(pg, zero, m, 2, 4, 1, GLOBAL_BATCH, null);
                return new Run(atSave, losses, zero.fullTrainableParameters());
            }
        });
        return (Run) out.get(0);
    }

    private Run resume(int world, int stage) {
        List<Object> out = LocalRanks.runAll(world, Duration.ofSeconds(30), pg -> {
            TinyVisualChat m = new TinyVisualChat();
            try (ZeroEngine zero = new ZeroEngine(pg, m, ZeroTraining.groups(m), AdamW::new,
                    ZeroConfig.stage(stage).withGradientClipping(ZeroTraining.CLIP), m.units())) {
                Manifest manifest = ZeroCheckpoint.load(zero, root);
                int next = Integer.parseInt(manifest.extra().get("next_step"));
                Map<String, Tensor> loaded = zero.fullTrainableParameters();
                return new Run(loaded, ZeroTraining.run(pg, zero, m, next, 4, 1, GLOBAL_BATCH, null), zero.fullTrainableParameters());
            }
        });
        return (Run) out.get(0);
    }

    @Test
    void consolidatesAndResumesAtOtherWorldSizes() throws Exception {
        Run original = trainSaveContinue(2, 2);
        Path merged = root.resolve("merged.safetensors");
        Manifest m = ZeroCheckpoint.consolidate(root, merged);
        assertEquals(2, m.worldSize());
        try (SafetensorsFile f = SafetensorsFile.open(merged)) {
            assertEquals(original.atSave().keySet(), new java.util.HashSet<>(f.names()));
            original.atSave().forEach((n, t) -> {
                assertArrayEquals(t.shape(), f.tensor(n).shape(), n);
                assertArrayEquals(t.toFloatArray(), f.tensor(n).toFloatArray(), n + " differs after consolidation");
            });
        }
        for (int[] target : new int[][] {{3, 3}, {1, 1}}) {
            Run resumed = resume(target[0], target[1]);
            original.atSave().forEach((n, t) -> assertArrayEquals(t.toFloatArray(), resumed.atSave().get(n).toFloatArray(), n + " loaded at p=" + target[0]));
            for (int i = 0; i < original.losses().size(); i++) {
                assertEquals(original.losses().get(i), resumed.losses().get(i), 1e-5, "loss after resuming at p=" + target[0]);
            }
            original.atEnd().forEach((n, t) -> {
                float[] want = t.toFloatArray(), got = resumed.atEnd().get(n).toFloatArray();
                for (int i = 0; i < want.length; i++) assertEquals(want[i], got[i], 2e-5, n + "[" + i + "] after resuming at p=" + target[0]);
            });
        }
    }

    @Test
    void incompleteOrDamagedCheckpointsAreNamedErrors() throws Exception {
        trainSaveContinue(2, 1);
        Path dir = ZeroCheckpoint.latestDirectory(root);
        Path out = root.resolve("x.safetensors");
        Path rank1 = dir.resolve(ZeroCheckpoint.rankFile(1, 2));
        byte[] good = Files.readAllBytes(rank1);
        Files.write(rank1, new byte[] {1, 2, 3});
        Exception e = assertThrows(Exception.class, () -> ZeroCheckpoint.consolidate(root, out));
        assertTrue(e.getMessage().contains(rank1.getFileName().toString()), e.getMessage());
        Files.delete(rank1);
        e = assertThrows(IllegalArgumentException.class, () -> ZeroCheckpoint.consolidate(root, out));
        assertTrue(e.getMessage().contains("expected 2 rank files, 1 missing: [rank-00001-of-00002.safetensors]"), e.getMessage());
        Files.write(rank1, good);
        Path manifest = dir.resolve(ZeroCheckpoint.MANIFEST);
        String json = Files.readString(manifest);
        Files.writeString(manifest, json.replace("\"world_size\": 2", "\"world_size\": \"two\""));
        e = assertThrows(IllegalArgumentException.class, () -> ZeroCheckpoint.consolidate(root, out));
        assertTrue(e.getMessage().contains("field 'world_size' must be an integer, got two"), e.getMessage());
        Files.delete(manifest);
        e = assertThrows(IllegalArgumentException.class, () -> ZeroCheckpoint.consolidate(root, out));
        assertTrue(e.getMessage().contains("manifest.json is missing"), e.getMessage());
        assertTrue(!Files.exists(out), "no output file after a failed consolidation");
    }

    /** The checkpoint folder is the common mistake: a missing one, a file, or the folder above it (a run's output_dir). */
    @Test
    void aWrongCheckpointFolderIsNamedWithWhatIsWrong() throws Exception {
        Path out = root.resolve("x.safetensors");
        Exception e = assertThrows(IllegalArgumentException.class, () -> ZeroCheckpoint.consolidate(root.resolve("nope"), out));
        assertEquals(root.resolve("nope") + ": no such directory", e.getMessage());
        Path file = Files.writeString(root.resolve("file"), "");
        e = assertThrows(IllegalArgumentException.class, () -> ZeroCheckpoint.consolidate(file, out));
        assertEquals(file + ": not a directory", e.getMessage());
        Path zero = Files.createDirectories(root.resolve("run/zero"));
        Files.writeString(zero.resolve(ZeroCheckpoint.LATEST), "step-00000001");
        e = assertThrows(IllegalArgumentException.class, () -> ZeroCheckpoint.consolidate(root.resolve("run"), out));
        assertEquals(root.resolve("run") + ": no 'latest' file, so no complete checkpoint; " + zero + " has one", e.getMessage());
    }
}
