package org.visualchat.mmca.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.visualchat.mmca.attention.MmcaMode;
import org.visualchat.mmca.chat.ChatRepl;
import org.visualchat.mmca.chat.ChatSession;
import org.visualchat.mmca.chat.GenerationOptions;
import org.visualchat.mmca.demo.DemoChatModel;
import org.visualchat.mmca.demo.DemoModel;
import org.visualchat.vision.image.ImageDecoder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code visualchat chat --model DIR [--device opencl[:N]]}: the interactive multi-image, multi-round chat
 * ({@link ChatRepl}); with {@code --device} the language model (MMCA included) runs on that OpenCL device.
 */
@Command(name = "chat", mixinStandardHelpOptions = true,
        description = "Chat about images with a trained model (reads commands and questions from standard input).")
public final class ChatCommand implements Runnable {
    @Option(names = "--model", required = true, description = "Model folder written by `visualchat demo`.")
    Path model;

    @Option(names = "--attention", defaultValue = "strict", description = "Which trained variant: strict, reference or causal (default: ${DEFAULT-VALUE}).")
    String attention;

    @Option(names = "--max-new-tokens", defaultValue = "64", description = "Most tokens per answer (default: ${DEFAULT-VALUE}).")
    int maxNewTokens;

    @Mixin
    LlamaDevice.Choice device = new LlamaDevice.Choice();

    @Override
    public void run() {
        try {
            DemoChatModel chat = DemoModel.load(model, MmcaMode.parse(attention));
            try (LlamaDevice lm = device.open(chat, System.err)) {
                ChatRepl repl = new ChatRepl(new ChatSession(lm.apply(chat)), ImageDecoder::decode,
                        new GenerationOptions(maxNewTokens, 0, 1, 0), System.out);
                repl.run(new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e.getMessage(), e);
        }
    }
}
