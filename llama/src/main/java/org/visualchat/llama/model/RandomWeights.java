package org.visualchat.llama.model;

import org.visualchat.tensor.DType;
import org.visualchat.tensor.Tensor;

/**
 * Seeded random LLaMA weights for tests and benchmarks (no real checkpoint is available offline):
 * matrices U(±1/√in) like PyTorch's Linear, the embedding N(0, 1), norm weights 1 + U(±0.25) so that a
 * wrong norm is visible. Matrices are stored as {@code dtype}; 1-D norm weights stay F32 (as in GGUF).
 * Each tensor's values depend only on the seed and its name.
 */
public record RandomWeights(long seed, DType dtype) implements Weights {
    @Override
    public Tensor tensor(String name, int... shape) {
        long s = seed * 0x9E3779B97F4A7C15L + name.hashCode();
        if (shape.length == 1) return Tensor.uniform(s, 0.75f, 1.25f, shape);
        Tensor t = name.endsWith("embed_tokens.weight") ? Tensor.randn(s, 1f, shape) : uniform(s, shape);
        return dtype == DType.F32 ? t : t.to(dtype);
    }

    private static Tensor uniform(long seed, int[] shape) {
        float bound = (float) (1 / Math.sqrt(shape[1]));
        return Tensor.uniform(seed, -bound, bound, shape);
    }
}
