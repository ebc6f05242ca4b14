package org.visualchat.nn.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.visualchat.nn.Linear;
import org.visualchat.nn.optim.AdamW;
import org.visualchat.nn.optim.LrSchedule;
import org.visualchat.nn.optim.ParamGroup;
import org.visualchat.nn.optim.Scheduler;
import org.visualchat.tensor.Tensor;
import org.visualchat.tensor.io.Json;
import org.visualchat.tensor.io.SafetensorsFile;
import org.visualchat.tensor.io.SafetensorsWriter;

/** The loop's generators and the fp16 loss scaler round-trip apart; format 1 files (scaler inside rng) still load. */
class TrainingStateFormatTest {
    private static final Map<String, Long> SCALER = Map.of("loss_scale", Double.doubleToLongBits(1024.0), "loss_scale_iteration", 17L,
            "loss_scale_last_overflow", 9L, "loss_scale_hysteresis", 2L, "loss_scale_skipped", 3L);

    @TempDir
    Path dir;

    private static TrainingState load(Path file) throws Exception {
        Linear model = new Linear(3, 2, true, 1);
        AdamW opt = new AdamW(ParamGroup.reference(model.trainableParameters(), 1e-3, 1e-3, 0));
        return TrainingCheckpoint.load(file, model, opt, new Scheduler(opt, new LrSchedule(LrSchedule.Kind.CONSTANT, 0, 10)));
    }

    @Test
    void generatorsAndLossScalerRoundTripSeparately() throws Exception {
        Path file = dir.resolve("checkpoint.safetensors");
        Linear model = new Linear(3, 2, true, 1);
        AdamW opt = new AdamW(ParamGroup.reference(model.trainableParameters(), 1e-3, 1e-3, 0));
        Scheduler sched = new Scheduler(opt, new LrSchedule(LrSchedule.Kind.CONSTANT, 0, 10));
        TrainingCheckpoint.save(file, model, opt, sched, new TrainingState(5, 40, Map.of("data", 77L), SCALER), false);
        assertEquals(new TrainingState(5, 40, Map.of("data", 77L), SCALER), load(file));

        // The same checkpoint as format 1 wrote it: the scaler's entries among the loop's generators.
        Path old = dir.resolve("format1.safetensors");
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            Map<String, String> meta = new LinkedHashMap<>(f.metadata());
            Map<String, Long> mixed = new LinkedHashMap<>(SCALER);
            mixed.put("data", 77L);
            meta.put("format", TrainingCheckpoint.FORMAT_1);
            meta.put("rng", Json.write(mixed));
            meta.remove("loss_scaler");
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            for (String n : f.names()) tensors.put(n, f.tensor(n));
            SafetensorsWriter.write(old, tensors, meta);
        }
        assertEquals(new TrainingState(5, 40, Map.of("data", 77L), SCALER), load(old));
    }
}
