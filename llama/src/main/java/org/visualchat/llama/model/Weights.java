package org.visualchat.llama.model;

/**
 * Where a {@link LlamaModel} gets its tensors: by Hugging Face name ({@code model.layers.3.mlp.up_proj.weight})
 * with the torch shape the config implies. A loader answers from a checkpoint (checking the shape and
 * naming the file on a mismatch); tests answer with random values.
 */
@FunctionalInterface
public interface Weights {
    org.visualchat.tensor.Tensor tensor(String name, int... shape);
}
