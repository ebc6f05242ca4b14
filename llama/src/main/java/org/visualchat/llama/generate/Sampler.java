package org.visualchat.llama.generate;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Picks the next token from a row of logits as configured by {@link SamplingConfig}. The filters
 * follow transformers' logits processors: RepetitionPenalty, Temperature, TopK (everything below the
 * k-th largest value is removed, so ties at the boundary survive), TopP (sorted by probability, a token
 * is kept while the mass of the tokens ranked above it is below p; at least one token survives).
 */
public final class Sampler {
    private final SamplingConfig config;
    private final SplittableRandom random;

    public Sampler(SamplingConfig config) {
        this.config = config;
        this.random = new SplittableRandom(config.seed());
    }

    /** The next token given the logits and the ids generated/seen so far (for the repetition penalty). */
    public int sample(float[] logits, int[] history) {
        if (config.isGreedy()) return argmax(penalized(logits, history));
        double[] p = distribution(logits, history);
        double u = random.nextDouble(), cumulative = 0;
        int last = -1;
        for (int i = 0; i < p.length; i++) {
            if (p[i] == 0) continue;
            cumulative += p[i];
            last = i;
            if (u < cumulative) return i;
        }
        return last; // u landed in the rounding gap above the summed mass
    }

    /**
     * The probabilities the sampler draws from (after penalty, temperature, top-k, top-p; removed
     * tokens 0, the rest renormalised). For greedy decoding: 1 at the argmax.
     */
    public double[] distribution(float[] logits, int[] history) {
        float[] l = penalized(logits, history);
        double[] p = new double[l.length];
        if (config.isGreedy()) {
            p[argmax(l)] = 1;
            return p;
        }
        double max = Double.NEGATIVE_INFINITY;
        for (float v : l) max = Math.max(max, v / (double) config.temperature());
        boolean[] keep = new boolean[l.length];
        Arrays.fill(keep, true);
        if (config.topK() > 0 && config.topK() < l.length) {
            float[] sorted = l.clone();
            Arrays.sort(sorted);
            float kth = sorted[l.length - config.topK()];
            for (int i = 0; i < l.length; i++) keep[i] = l[i] >= kth;
        }
        double sum = 0;
        for (int i = 0; i < l.length; i++) {
            if (keep[i]) sum += (p[i] = Math.exp(l[i] / (double) config.temperature() - max));
        }
        for (int i = 0; i < l.length; i++) p[i] /= sum;
        if (config.topP() < 1) applyTopP(p);
        return p;
    }

    /** Keeps tokens (by descending probability) while the mass ranked above them is below top-p; renormalises. */
    private void applyTopP(double[] p) {
        Integer[] order = new Integer[p.length];
        for (int i = 0; i < p.length; i++) order[i] = i;
        Arrays.sort(order, (a, b) -> Double.compare(p[b], p[a]));
        double above = 0;
        for (Integer i : order) {
            if (above < config.topP()) above += p[i];
            else p[i] = 0;
        }
        for (int i = 0; i < p.length; i++) p[i] /= above;
    }

    private float[] penalized(float[] logits, int[] history) {
        if (config.repetitionPenalty() == 1 || history.length == 0) return logits;
        float[] l = logits.clone();
        boolean[] seen = new boolean[l.length];
        float theta = config.repetitionPenalty();
        for (int id : history) {
            if (id < 0 || id >= l.length || seen[id]) continue;
            seen[id] = true;
            l[id] = l[id] > 0 ? l[id] / theta : l[id] * theta;
        }
        return l;
    }

    /** Index of the largest value (the first one on ties, like torch.argmax). */
    public static int argmax(float[] values) {
        int best = 0;
        for (int i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
        return best;
    }
}
