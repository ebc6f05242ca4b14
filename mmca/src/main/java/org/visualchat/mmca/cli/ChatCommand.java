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

/**
 * {@code visualchat chat --model DIR [--device opencl[:N]]}: the interactive multi-image, multi-round chat
 * ({@link ChatRepl}) on a demo model or a trained run with its base models ({@link ChatModelOptions}). With
 * {@code --device} the CLIP encoder and the language model (MMCA included) run on that OpenCL device.
 */
@Command(name = "chat", mixinStandardHelpOptions = true,
        description = "Chat about images with a trained model (reads commands and questions from standard input).")
public final class ChatCommand implements Runnable {
    @Mixin
    ChatModelOptions source = new ChatModelOptions();

    @Mixin
    SamplingOptions sampling = new SamplingOptions(64, 123);

    @Mixin
    LlamaDevice.Choice device = new LlamaDevice.Choice();

    @Override
    public void run() {
        GenerationOptions options = sampling.generation();
        try (ChatModelOptions.Opened opened = source.open(System.err::println); LlamaDevice lm = device.open(opened.model, System.err)) {
            ChatRepl repl = new ChatRepl(new ChatSession(lm.apply(opened.model)), ImageDecoder::decode, options, System.out);
            repl.run(new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)));
        } catch (IOException e) {
            throw new UncheckedIOException(e.getMessage(), e);
        }
    }
}
