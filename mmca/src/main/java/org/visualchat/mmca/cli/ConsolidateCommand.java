package org.visualchat.mmca.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.visualchat.parallel.zero.Manifest;
import org.visualchat.parallel.zero.ZeroCheckpoint;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code visualchat consolidate <checkpoint dir> <out.safetensors>}: one F32 file from a sharded ZeRO checkpoint. */
@Command(name = "consolidate", mixinStandardHelpOptions = true,
        description = "Merge the latest sharded ZeRO checkpoint under DIR into one safetensors file (F32), one tensor at a time.")
public final class ConsolidateCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "DIR", description = "Checkpoint root (holds 'latest').")
    Path dir;

    @Parameters(index = "1", paramLabel = "OUT", description = "Output .safetensors file.")
    Path out;

    @Override
    public Integer call() throws Exception {
        Manifest m = ZeroCheckpoint.consolidate(dir, out);
        System.out.printf("%s: %d tensors of step %d (written by %d ranks, stage %d)%n", out, m.params().size(), m.step(), m.worldSize(), m.stage());
        return 0;
    }
}
