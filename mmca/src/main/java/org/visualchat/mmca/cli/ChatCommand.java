package org.visualchat.mmca.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import org.visualchat.mmca.chat.ChatRepl;
import org.visualchat.mmca.chat.ChatSession;
import org.visualchat.mmca.chat.GenerationOptions;
import org.visualchat.vision.image.ImageDecoder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code visualchat chat --model DIR}: the interactive multi-image, multi-round chat ({@link ChatRepl}). */
@Command(name = "chat", mixinStandardHelpOptions = true,
        description = "Chat about images with a trained model (reads commands and questions from standard input).")
public final class ChatCommand implements Runnable {
    @Mixin
    DemoModelOptions model = new DemoModelOptions();

    @Option(names = "--max-new-tokens", defaultValue = "64", description = "Most tokens per answer (default: ${DEFAULT-VALUE}).")
    int maxNewTokens;

    @Override
    public void run() {
        try {
            ChatRepl repl = new ChatRepl(new ChatSession(model.load()), ImageDecoder::decode,
                    new GenerationOptions(maxNewTokens, 0, 1, 0), System.out);
            repl.run(new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)));
        } catch (IOException e) {
            throw new UncheckedIOException(e.getMessage(), e);
        }
    }
}
