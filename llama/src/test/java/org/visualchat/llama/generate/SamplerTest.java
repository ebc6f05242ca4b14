package org.visualchat.llama.generate;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

class SamplerTest {
    private static double[] dist(SamplingConfig c, float[] logits, int... history) {
        return new Sampler(c).distribution(logits, history);
    }

    /** Indices with non-zero probability. */
    private static int[] support(double[] p) {
        return java.util.stream.IntStream.range(0, p.length).filter(i -> p[i] > 0).toArray();
    }

    private static float[] logitsOf(double... probabilities) {
        float[] l = new float[probabilities.length];
        for (int i = 0; i < l.length; i++) l[i] = (float) Math.log(probabilities[i]);
        return l;
    }

    @Test
    void topKKeepsTheKLargestWithTiesAtTheBoundary() {
        float[] logits = {1, 5, 3, 5, 2};
        assertArrayEquals(new int[] {1, 3}, support(dist(new SamplingConfig(1, 2, 1, 1, 0), logits)));
        assertArrayEquals(new int[] {1, 2, 3}, support(dist(new SamplingConfig(1, 3, 1, 1, 0), logits)));
        assertArrayEquals(new int[] {1, 2, 3, 4}, support(dist(new SamplingConfig(1, 2, 1, 1, 0), new float[] {0, 4, 4, 4, 4})), "HF keeps every value equal to the k-th");
        assertArrayEquals(new int[] {0, 1, 2, 3, 4}, support(dist(new SamplingConfig(1, 9, 1, 1, 0), logits)), "k beyond the vocabulary keeps all");
    }

    @Test
    void topPKeepsTheSmallestSetReachingP() {
        float[] logits = logitsOf(0.05, 0.5, 0.15, 0.3);
        assertArrayEquals(new int[] {1}, support(dist(new SamplingConfig(1, 0, 0.45f, 1, 0), logits)));
        assertArrayEquals(new int[] {1, 3}, support(dist(new SamplingConfig(1, 0, 0.7f, 1, 0), logits)));
        assertArrayEquals(new int[] {1, 2, 3}, support(dist(new SamplingConfig(1, 0, 0.85f, 1, 0), logits)));
        double[] p = dist(new SamplingConfig(1, 0, 0.7f, 1, 0), logits);
        assertEquals(0.5 / 0.8, p[1], 1e-6, "renormalised over the kept set");
        assertEquals(0.3 / 0.8, p[3], 1e-6);
    }

    @Test
    void temperatureTopKAndTopPCompose() {
        // T = 0.5 squares the probabilities: 0.5², 0.3², 0.15², 0.05² ∝ 0.25, 0.09, 0.0225, 0.0025.
        float[] logits = logitsOf(0.5, 0.3, 0.15, 0.05);
        double z = 0.25 + 0.09 + 0.0225 + 0.0025;
        double[] p = dist(new SamplingConfig(0.5f, 3, 1, 1, 0), logits);
        double z3 = 0.25 + 0.09 + 0.0225;
        assertArrayEquals(new double[] {0.25 / z3, 0.09 / z3, 0.0225 / z3, 0}, p, 1e-6);
        // top-p 0.9 of the squared distribution: 0.25/z = 0.687 < 0.9, + 0.09/z = 0.935 ≥ 0.9 → two kept.
        double[] q = dist(new SamplingConfig(0.5f, 0, 0.9f, 1, 0), logits);
        assertArrayEquals(new double[] {0.25 / 0.34, 0.09 / 0.34, 0, 0}, q, 1e-6);
        assertEquals(0.25 / z, dist(new SamplingConfig(0.5f, 0, 1, 1, 0), logits)[0], 1e-6);
    }

    @Test
    void repetitionPenaltyDividesPositiveAndMultipliesNegativeLogits() {
        float[] logits = {2, -2, 1.5f};
        double[] p = dist(new SamplingConfig(1, 0, 1, 2, 0), logits, 0, 1, 0);
        double[] e = {Math.exp(1), Math.exp(-4), Math.exp(1.5)};
        double z = e[0] + e[1] + e[2];
        assertArrayEquals(new double[] {e[0] / z, e[1] / z, e[2] / z}, p, 1e-6);
        assertEquals(2, new Sampler(new SamplingConfig(0, 0, 1, 2, 0)).sample(logits, new int[] {0}), "greedy after the penalty");
        assertEquals(0, new Sampler(SamplingConfig.greedy()).sample(logits, new int[] {0}));
    }

    @Test
    void seededDrawsAreReproducibleAndFollowTheDistribution() {
        float[] logits = logitsOf(0.5, 0.3, 0.15, 0.05);
        SamplingConfig c = new SamplingConfig(1, 0, 1, 1, 1234);
        Sampler a = new Sampler(c), b = new Sampler(c), other = new Sampler(new SamplingConfig(1, 0, 1, 1, 99));
        int[] counts = new int[4];
        boolean differs = false;
        int n = 20000;
        for (int i = 0; i < n; i++) {
            int x = a.sample(logits, new int[0]);
            assertEquals(x, b.sample(logits, new int[0]));
            differs |= x != other.sample(logits, new int[0]);
            counts[x]++;
        }
        assertFalse(!differs, "another seed gives another sequence");
        double[] expected = {0.5, 0.3, 0.15, 0.05};
        // 4 standard deviations of a binomial proportion at n = 20000 is below 0.015.
        for (int i = 0; i < 4; i++) assertEquals(expected[i], counts[i] / (double) n, 0.015, "token " + i);
    }

    @Test
    void badSettingsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new SamplingConfig(-1, 0, 1, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> new SamplingConfig(1, -1, 1, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> new SamplingConfig(1, 0, 0, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> new SamplingConfig(1, 0, 1.5f, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> new SamplingConfig(1, 0, 1, 0, 0));
    }
}
