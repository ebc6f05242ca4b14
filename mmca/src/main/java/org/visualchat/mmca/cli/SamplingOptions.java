package org.visualchat.mmca.cli;

import org.visualchat.llama.generate.SamplingConfig;
import org.visualchat.mmca.chat.GenerationOptions;
import picocli.CommandLine.Option;

/**
 * The decoding options {@code chat} and {@code generate} share, declared once so both spell, check and
 * document them alike; each command picks its own defaults for the answer length and the seed. They map
 * onto llama's {@link SamplingConfig} (Hugging Face's order: repetition penalty, temperature, top-k, top-p).
 */
final class SamplingOptions {
    @Option(names = "--max-new-tokens", description = "Most new tokens per answer (default: ${DEFAULT-VALUE}).")
    int maxNewTokens;

    @Option(names = "--temperature", description = "0 = greedy (default: ${DEFAULT-VALUE}).")
    double temperature = 0;

    @Option(names = "--top-k", description = "Sample among the k most likely tokens; 0 = off (default: ${DEFAULT-VALUE}).")
    int topK = 0;

    @Option(names = "--top-p", description = "Nucleus sampling; 1 = off (default: ${DEFAULT-VALUE}).")
    double topP = 1;

    @Option(names = "--repetition-penalty", description = "Penalty for tokens already seen (CTRL: logit/θ if positive, logit·θ if not); 1 = off (default: ${DEFAULT-VALUE}).")
    double repetitionPenalty = 1;

    @Option(names = "--seed", description = "Sampling seed; every answer starts from it (default: ${DEFAULT-VALUE}).")
    long seed;

    SamplingOptions(int maxNewTokens, long seed) {
        this.maxNewTokens = maxNewTokens;
        this.seed = seed;
    }

    /** For the chat models; checked there. */
    GenerationOptions generation() {
        return new GenerationOptions(maxNewTokens, temperature, topK, topP, repetitionPenalty, seed);
    }

    /** For llama's generator; checked there. */
    SamplingConfig sampling() {
        return new SamplingConfig((float) temperature, topK, (float) topP, (float) repetitionPenalty, seed);
    }
}
