package org.visualchat.llama.generate;

/**
 * How the next token is chosen from the logits, in Hugging Face's order: repetition penalty, then
 * temperature, top-k, top-p, then a draw from the seeded generator.
 *
 * @param temperature       0 = greedy (argmax); otherwise logits are divided by it
 * @param topK              keep the k most likely tokens (ties with the k-th kept); 0 = off
 * @param topP              keep the smallest most-likely set whose probability reaches topP; 1 = off
 * @param repetitionPenalty CTRL/HF penalty θ for tokens already in the history: l > 0 ? l/θ : l·θ; 1 = off
 * @param seed              seed of the random generator (same seed, same logits → same tokens)
 */
public record SamplingConfig(float temperature, int topK, float topP, float repetitionPenalty, long seed) {
    public SamplingConfig {
        if (!(temperature >= 0) || Float.isInfinite(temperature)) throw new IllegalArgumentException("temperature must be >= 0, got " + temperature);
        if (topK < 0) throw new IllegalArgumentException("top-k must be >= 0 (0 = off), got " + topK);
        if (!(topP > 0 && topP <= 1)) throw new IllegalArgumentException("top-p must be in (0, 1], got " + topP);
        if (!(repetitionPenalty > 0) || Float.isInfinite(repetitionPenalty)) throw new IllegalArgumentException("repetition penalty must be > 0, got " + repetitionPenalty);
    }

    public static SamplingConfig greedy() {
        return new SamplingConfig(0, 0, 1, 1, 0);
    }

    public boolean isGreedy() { return temperature == 0; }
}
