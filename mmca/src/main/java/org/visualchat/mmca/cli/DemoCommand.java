package org.visualchat.mmca.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.visualchat.mmca.attention.MmcaMode;
import org.visualchat.mmca.chat.ChatRepl;
import org.visualchat.mmca.chat.ChatSession;
import org.visualchat.mmca.chat.GenerationOptions;
import org.visualchat.mmca.demo.DemoConfig;
import org.visualchat.mmca.demo.DemoModel;
import org.visualchat.mmca.demo.DemoPipeline;
import org.visualchat.vision.image.ImageDecoder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code visualchat demo}: trains DeepSpeed-VisualChat's recipe at toy scale on a synthetic visual world
 * (vision encoder, LLaMA, then MMCA with both frozen), prints held-out accuracy per question type for MMCA
 * strict, MMCA reference and causal attention, and offers a chat with the trained model.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Train and evaluate a tiny DeepSpeed-VisualChat on a synthetic world of shapes (about 13 minutes on 2 cores), then chat with it.")
public final class DemoCommand implements Runnable {
    @Option(names = "--dir", description = "Model folder (default: ~/.cache/visualchat/demo/<size>); finished stages in it are reused.")
    Path dir;

    @Option(names = "--small", description = "The reduced size (about a quarter of the work, lower accuracy).")
    boolean small;

    @Option(names = "--no-chat", description = "Do not offer the chat afterwards.")
    boolean noChat;

    @Override
    public void run() {
        DemoConfig config = small ? DemoConfig.reduced() : DemoConfig.full();
        Path folder = dir != null ? dir
                : Path.of(System.getProperty("user.home"), ".cache", "visualchat", "demo", (small ? "small-" : "full-") + config.cacheKey());
        OptionChecks.outputDirectory("--dir", folder);
        boolean terminal = System.console() != null;
        System.out.println("VisualChat-J demo: DeepSpeed-VisualChat's recipe at toy scale, trained on this machine's CPU.");
        try {
            new DemoPipeline(config, folder, System.out, terminal).run();
            if (noChat || !terminal) return;
            System.out.println();
            System.out.println("Chat with the MMCA strict model: attach images with /image PATH (e.g. " + folder.resolve("examples")
                    + "/conversation1-image1.png), ask about them (\"Describe image 1.\", \"How many red shapes are in image 1?\"), /quit to leave.");
            ChatRepl repl = new ChatRepl(new ChatSession(DemoModel.load(folder, MmcaMode.STRICT)), ImageDecoder::decode,
                    new GenerationOptions(64, 0, 1, 0), System.out);
            repl.run(new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e.getMessage(), e);
        }
    }
}
