package org.visualchat.parallel.zero;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.visualchat.nn.optim.AdamW;
import org.visualchat.parallel.DistributedException;
import org.visualchat.parallel.ProcessGroup;

/**
 * One rank of the multi-process ZeRO tests: trains {@link TinyVisualChat} on global batches of
 * {@link ZeroMultiProcessTest#GLOBAL_BATCH}, resuming from {@code <checkpoints>/latest} if present and saving
 * a checkpoint after every step. Arguments: stage, last step (exclusive), checkpoint root, and the step at
 * which rank 1 kills itself halfway through the forward pass (−1: never). Prints "STEP s loss"; on a group
 * failure prints "FAILED kind: message" and exits 3.
 */
public final class ZeroTrainWorker {
    private ZeroTrainWorker() {}

    public static void main(String[] args) throws Exception {
        int stage = Integer.parseInt(args[0]), last = Integer.parseInt(args[1]), dieAt = Integer.parseInt(args[3]);
        Path root = Path.of(args[2]);
        try (ProcessGroup pg = ProcessGroup.fromEnv()) {
            TinyVisualChat m = new TinyVisualChat();
            try (ZeroEngine zero = new ZeroEngine(pg, m, ZeroTraining.groups(m), AdamW::new,
                    ZeroConfig.stage(stage).withGradientClipping(ZeroTraining.CLIP), m.units())) {
                int first = 0;
                if (Files.exists(root.resolve(ZeroCheckpoint.LATEST))) {
                    first = Integer.parseInt(ZeroCheckpoint.load(zero, root).extra().get("next_step"));
                    System.out.println("RESUMED at step " + first + " on " + pg.size() + " ranks");
                }
                for (int step = first; step < last; step++) {
                    if (step == dieAt && pg.rank() == 1) {
                        System.out.println("DYING at step " + step);
                        System.out.flush();
                        Runtime.getRuntime().halt(9);   // like a SIGKILL: no goodbye to the peers
                    }
                    List<Double> losses = ZeroTraining.run(pg, zero, m, step, step + 1, 1, ZeroMultiProcessTest.GLOBAL_BATCH, null);
                    ZeroCheckpoint.save(zero, root, step + 1, Map.of("next_step", Integer.toString(step + 1)));
                    System.out.println("STEP " + step + " " + losses.get(0));
                }
            }
        } catch (DistributedException e) {
            System.out.println("FAILED " + e.kind() + ": " + e.getMessage());
            System.exit(3);
        }
    }
}
