package org.visualchat.llama.generate;

import org.visualchat.llama.model.CausalLm;
import org.visualchat.llama.tokenizer.LlamaTokenizer;
import org.visualchat.nn.AttentionPolicy;
import org.visualchat.tensor.Tensor;

import java.util.Arrays;

/**
 * Autoregressive generation for one sequence: a prefill of the prompt (ids, or embeddings with image
 * features spliced in), then one decode step per token through the KV cache, streaming text as it
 * becomes printable.
 *
 * <pre>{@code
 * var generator = new Generator(model, tokenizer);   // a LlamaModel (CPU) or any other CausalLm
 * Generator.Result r = generator.generate(tokenizer.encode("Once upon a time", true, false),
 *         GenerationConfig.greedy(64), System.out::print);
 * }</pre>
 */
public final class Generator {
    /** Receives text as soon as it is printable (complete characters, never part of a stop string). */
    @FunctionalInterface
    public interface TextListener {
        void onText(String text);
    }

    public enum StopReason { EOS, STOP_STRING, MAX_NEW_TOKENS }

    /**
     * The generated ids (without EOS), their text (cut before a stop string), why generation stopped,
     * and the time spent in the prefill and in the decode steps (sampling included).
     */
    public record Result(int[] tokens, String text, StopReason reason, int promptTokens, long prefillNanos, long decodeNanos) {}

    private final CausalLm model;
    private final LlamaTokenizer tokenizer;

    public Generator(CausalLm model, LlamaTokenizer tokenizer) {
        this.model = model;
        this.tokenizer = tokenizer;
    }

    /** Generates after the prompt ids (BOS included if wanted), causal attention. */
    public Result generate(int[] promptIds, GenerationConfig config, TextListener listener) {
        if (promptIds.length == 0) throw new IllegalArgumentException("the prompt is empty (add BOS to generate from nothing)");
        Tensor embeds = model.embedTokens(Tensor.ofInts(promptIds, 1, promptIds.length));
        return generate(embeds, promptIds, promptIds[promptIds.length - 1], null, config, listener);
    }

    /**
     * Generates after prompt embeddings [1, S, d] (e.g. with image features spliced in).
     *
     * @param history  ids the repetition penalty counts as already seen (HF: the input ids; none for embeddings)
     * @param prefixId the prompt's last text id, so the first generated piece keeps its leading space; -1 if none
     * @param policy   attention for every step (null = causal); see llama.md for what it receives with a cache
     */
    public Result generate(Tensor promptEmbeds, int[] history, int prefixId, AttentionPolicy policy, GenerationConfig config, TextListener listener) {
        int promptLength = promptEmbeds.dim(1);
        try (CausalLm.Session session = model.start(promptLength + config.maxNewTokens(), config.cacheType())) {
            return generate(session, promptEmbeds, history, prefixId, policy, config, listener);
        }
    }

    private Result generate(CausalLm.Session session, Tensor promptEmbeds, int[] history, int prefixId, AttentionPolicy policy,
                            GenerationConfig config, TextListener listener) {
        int promptLength = promptEmbeds.dim(1);
        Sampler sampler = new Sampler(config.sampling());
        IncrementalDecoder decoder = new IncrementalDecoder(tokenizer, prefixId);
        int[] seen = Arrays.copyOf(history, history.length + config.maxNewTokens());
        int seenCount = history.length, generated = 0, emitted = 0;
        long start = System.nanoTime();
        Tensor logits = session.inferLast(promptEmbeds, policy);
        Timing timing = new Timing(promptLength, System.nanoTime() - start);
        while (true) {
            int id = sampler.sample(logits.toFloatArray(), Arrays.copyOf(seen, seenCount));
            if (config.stopOnEos() && id == tokenizer.eosId()) return finish(seen, history.length, generated, decoder.text(), emitted, StopReason.EOS, listener, timing);
            seen[seenCount++] = id;
            generated++;
            decoder.append(id);
            String text = decoder.text();
            int stop = StopStrings.firstMatch(text, config.stopStrings());
            if (stop >= 0) return finish(seen, history.length, generated, text.substring(0, stop), emitted, StopReason.STOP_STRING, listener, timing);
            if (generated == config.maxNewTokens()) return finish(seen, history.length, generated, text, emitted, StopReason.MAX_NEW_TOKENS, listener, timing);
            int printable = StopStrings.safeLength(text, IncrementalDecoder.stableLength(text), config.stopStrings());
            if (printable > emitted) {
                listener.onText(text.substring(emitted, printable));
                emitted = printable;
            }
            logits = session.inferToken(id, policy);
        }
    }

    /** Prompt length and prefill time; decode time is measured from the end of the prefill. */
    private record Timing(int promptLength, long prefillNanos, long decodeStart) {
        Timing(int promptLength, long prefillNanos) {
            this(promptLength, prefillNanos, System.nanoTime());
        }
    }

    private static Result finish(int[] seen, int historyLength, int generated, String text, int emitted, StopReason reason, TextListener listener, Timing timing) {
        long decodeNanos = System.nanoTime() - timing.decodeStart();
        if (text.length() > emitted) listener.onText(text.substring(emitted));
        return new Result(Arrays.copyOfRange(seen, historyLength, historyLength + generated), text, reason, timing.promptLength(), timing.prefillNanos(), decodeNanos);
    }
}
