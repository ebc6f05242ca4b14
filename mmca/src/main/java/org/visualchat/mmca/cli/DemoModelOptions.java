package org.visualchat.mmca.cli;

import org.visualchat.mmca.attention.MmcaMode;
import org.visualchat.mmca.demo.DemoChatModel;
import org.visualchat.mmca.demo.DemoModel;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;

/** Which trained model {@code chat} and {@code eval} answer with: a picocli mixin shared by both. */
final class DemoModelOptions {
    @Option(names = "--model", required = true, description = "Model folder written by `visualchat demo`.")
    Path model;

    @Option(names = "--attention", defaultValue = "strict", description = "Which trained variant: strict, reference or causal (default: ${DEFAULT-VALUE}).")
    String attention;

    DemoChatModel load() throws IOException {
        return DemoModel.load(model, MmcaMode.parse(attention));
    }
}
