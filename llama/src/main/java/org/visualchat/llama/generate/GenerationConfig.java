package org.visualchat.llama.generate;

import org.visualchat.tensor.DType;

import java.util.List;

/**
 * When generation stops and how tokens are chosen.
 *
 * @param maxNewTokens at most this many tokens are generated
 * @param stopStrings  generation stops when the text contains one; the text is cut before it
 * @param stopOnEos    stop at the tokenizer's EOS (not included in the output)
 * @param sampling     token choice
 * @param cacheType    KV cache dtype (F32 or BF16)
 */
public record GenerationConfig(int maxNewTokens, List<String> stopStrings, boolean stopOnEos, SamplingConfig sampling, DType cacheType) {
    public GenerationConfig {
        if (maxNewTokens < 1) throw new IllegalArgumentException("max new tokens must be >= 1, got " + maxNewTokens);
        stopStrings = List.copyOf(stopStrings);
        for (String s : stopStrings) if (s.isEmpty()) throw new IllegalArgumentException("stop strings must not be empty");
    }

    public static GenerationConfig greedy(int maxNewTokens) {
        return new GenerationConfig(maxNewTokens, List.of(), true, SamplingConfig.greedy(), DType.F32);
    }
}
