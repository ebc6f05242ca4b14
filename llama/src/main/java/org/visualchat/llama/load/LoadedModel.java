package org.visualchat.llama.load;

import org.visualchat.llama.model.LlamaModel;
import org.visualchat.tensor.io.TensorSource;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A model whose weights are views of memory-mapped checkpoint files: keep it open as long as the model
 * is used; {@link #close()} unmaps the files (the model's tensors then throw when touched).
 *
 * @param format "safetensors" or "gguf"
 */
public record LoadedModel(LlamaModel model, Path origin, String format, TensorSource source) implements AutoCloseable {
    @Override
    public void close() throws IOException {
        source.close();
    }
}
