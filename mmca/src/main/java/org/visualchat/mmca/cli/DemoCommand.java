package org.visualchat.mmca.cli;

import picocli.CommandLine.Command;

/**
 * {@code visualchat demo}: the embedded end-to-end demo. Until the synthetic visual-chat world and its
 * training pipeline exist (issue 7), it runs the tensor engine's GEMM benchmark, the piece that is built.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Run the embedded demo (for now: the tensor engine benchmark).")
public final class DemoCommand implements Runnable {
    @Override
    public void run() {
        System.out.println("The multimodal demo is not built yet; running the tensor engine benchmark instead.");
        new BenchCommand.Gemm().run();
    }
}
