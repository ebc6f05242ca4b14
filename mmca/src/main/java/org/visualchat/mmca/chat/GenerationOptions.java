package org.visualchat.mmca.chat;

import java.util.Locale;
import org.visualchat.llama.generate.Sampler;
import org.visualchat.llama.generate.SamplingConfig;

/**
 * How answers are decoded. {@code temperature == 0} is greedy (argmax, deterministic); otherwise tokens are
 * sampled (llama's {@link org.visualchat.llama.generate.Sampler}) from softmax(logits / temperature) restricted
 * to the {@code topK} most likely tokens (0 = all) and to the smallest set whose probability reaches
 * {@code topP} (nucleus sampling), with a generator seeded per answer so a run can be repeated. A
 * {@code repetitionPenalty} θ ≠ 1 first scales the logits of tokens this answer already holds (CTRL, as
 * Hugging Face: l/θ if l > 0, else l·θ; the prompt is not counted, as it holds image placeholders), greedy
 * decoding included. Generation stops at EOS or after {@code maxNewTokens}. The reference generates 256 new
 * tokens per round (eval/batch_generation.py).
 */
public record GenerationOptions(int maxNewTokens, double temperature, int topK, double topP, double repetitionPenalty, long seed) {
    public static final GenerationOptions GREEDY = new GenerationOptions(256, 0, 1, 123);

    public GenerationOptions {
        if (maxNewTokens < 1) throw new IllegalArgumentException("max_new_tokens must be >= 1, got " + maxNewTokens);
        if (!(temperature >= 0) || Double.isInfinite(temperature)) throw new IllegalArgumentException("temperature must be >= 0, got " + temperature);
        if (topK < 0) throw new IllegalArgumentException("top_k must be >= 0 (0 = off), got " + topK);
        if (!(topP > 0 && topP <= 1)) throw new IllegalArgumentException("top_p must be in (0, 1], got " + topP);
        if (!(repetitionPenalty > 0) || Double.isInfinite(repetitionPenalty)) {
            throw new IllegalArgumentException("repetition_penalty must be > 0 (1 = off), got " + repetitionPenalty);
        }
    }

    /** Without a top-k cut or a repetition penalty. */
    public GenerationOptions(int maxNewTokens, double temperature, double topP, long seed) {
        this(maxNewTokens, temperature, 0, topP, 1, seed);
    }

    /** llama's sampler for one answer, or null for plain greedy decoding (argmax). */
    public Sampler sampler() {
        if (temperature == 0 && repetitionPenalty == 1) return null;
        return new Sampler(new SamplingConfig((float) temperature, topK, (float) topP, (float) repetitionPenalty, seed));
    }

    /**
     * A copy with one option changed, by its REPL name ({@code max_new_tokens}, {@code temperature}, {@code top_k},
     * {@code top_p}, {@code seed}, {@code repetition_penalty}).
     */
    public GenerationOptions with(String name, String value) {
        try {
            return switch (name.toLowerCase(Locale.ROOT)) {
                case "max_new_tokens", "max" -> new GenerationOptions(Integer.parseInt(value), temperature, topK, topP, repetitionPenalty, seed);
                case "temperature", "temp" -> new GenerationOptions(maxNewTokens, Double.parseDouble(value), topK, topP, repetitionPenalty, seed);
                case "top_k" -> new GenerationOptions(maxNewTokens, temperature, Integer.parseInt(value), topP, repetitionPenalty, seed);
                case "top_p" -> new GenerationOptions(maxNewTokens, temperature, topK, Double.parseDouble(value), repetitionPenalty, seed);
                case "seed" -> new GenerationOptions(maxNewTokens, temperature, topK, topP, repetitionPenalty, Long.parseLong(value));
                case "repetition_penalty" -> new GenerationOptions(maxNewTokens, temperature, topK, topP, Double.parseDouble(value), seed);
                default -> throw new IllegalArgumentException(
                        "unknown option '" + name + "' (max_new_tokens, temperature, top_k, top_p, seed, repetition_penalty)");
            };
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + ": not a number: '" + value + "'");
        }
    }

    @Override
    public String toString() {
        return "max_new_tokens=" + maxNewTokens + " temperature=" + temperature + " top_k=" + topK + " top_p=" + topP + " seed=" + seed + " repetition_penalty=" + repetitionPenalty;
    }
}
