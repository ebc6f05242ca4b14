package org.visualchat.nn.checkpoint;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.visualchat.nn.Linear;
import org.visualchat.nn.Module;
import org.visualchat.nn.NamePattern;
import org.visualchat.tensor.DType;
import org.visualchat.tensor.Tensor;
import org.visualchat.tensor.io.SafetensorsFile;
import org.visualchat.tensor.io.SafetensorsWriter;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StateDictTest {
    static final class Net extends Module {
        Net(long seed) {
            child("proj", new Linear(3, 4, true, seed));
            child("head", new Linear(4, 2, false, seed + 1));
        }
    }

    @Test
    void roundTripsEveryParameterByName(@TempDir Path dir) throws Exception {
        Net a = new Net(1), b = new Net(2);
        StateDict.save(a, dir.resolve("m.safetensors"), false);
        StateDict.load(b, dir.resolve("m.safetensors"), true);
        a.namedParameters().forEach((n, p) -> assertArrayEquals(p.value().toFloatArray(), b.namedParameters().get(n).value().toFloatArray(), n));
    }

    @Test
    void onlyTrainableSavesTheTrainableSubset(@TempDir Path dir) throws Exception {
        Net a = new Net(1);
        a.freeze(NamePattern.glob("head.**"));
        StateDict.save(a, dir.resolve("t.safetensors"), true);
        try (SafetensorsFile f = SafetensorsFile.open(dir.resolve("t.safetensors"))) {
            assertEquals(List.of("proj.bias", "proj.weight"), f.names().stream().sorted().toList());
        }
        Net b = new Net(2);
        StateDict.load(b, dir.resolve("t.safetensors"), false);
        assertArrayEquals(a.namedParameters().get("proj.weight").value().toFloatArray(), b.namedParameters().get("proj.weight").value().toFloatArray());
        assertThrows(IllegalArgumentException.class, () -> StateDict.load(b, dir.resolve("t.safetensors"), true));
    }

    @Test
    void mismatchesAreListedByNameBeforeAnythingIsLoaded(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("bad.safetensors");
        SafetensorsWriter.write(file, Map.of(
                "proj.weight", Tensor.zeros(4, 3),
                "proj.bias", Tensor.zeros(5),
                "extra.weight", Tensor.zeros(1)));
        Net b = new Net(2);
        float[] before = b.namedParameters().get("proj.weight").value().toFloatArray();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> StateDict.load(b, file, true));
        assertTrue(e.getMessage().contains("missing: head.weight"), e.getMessage());
        assertTrue(e.getMessage().contains("unexpected: extra.weight"), e.getMessage());
        assertTrue(e.getMessage().contains("mis-shaped: proj.bias (file [5], model [4])"), e.getMessage());
        assertArrayEquals(before, b.namedParameters().get("proj.weight").value().toFloatArray());
    }

    @Test
    void loadConvertsToTheParameterDtype(@TempDir Path dir) throws Exception {
        Net a = new Net(1), b = new Net(2);
        b.namedParameters().get("head.weight").setValue(b.namedParameters().get("head.weight").value().to(DType.BF16));
        StateDict.save(a, dir.resolve("m.safetensors"), false);
        StateDict.load(b, dir.resolve("m.safetensors"), true);
        assertEquals(DType.BF16, b.namedParameters().get("head.weight").value().dtype());
    }
}
