package org.visualchat.llama.load;

import org.visualchat.llama.model.LlamaModel;
import org.visualchat.llama.tokenizer.LlamaTokenizer;
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
    /**
     * Embedding rows a checkpoint may hold past its tokenizer's ids. Some pad the table to a multiple of
     * 64 or 128 rows (GEMM-friendly shapes); generation never samples those rows ({@code Generator} drops
     * their logits). More rows than that mean the tokenizer belongs to another model.
     */
    public static final int MAX_PADDING_ROWS = 128;

    /**
     * Fails, naming both files and sizes, unless {@code tokenizer} (read from {@code tokenizerFile}) is this
     * model's: its ids, added tokens included, all have embedding rows, and the model has at most
     * {@link #MAX_PADDING_ROWS} rows more. Called before any generation or training, where a mismatch
     * would otherwise surface as an out-of-range id mid-output (or train on the wrong rows).
     */
    public void requireTokenizer(LlamaTokenizer tokenizer, Path tokenizerFile) {
        int ids = tokenizer.vocabSize(), rows = model.config().vocabSize();
        if (ids > rows || rows - ids >= MAX_PADDING_ROWS) {
            throw new IllegalArgumentException("the tokenizer " + tokenizerFile + " has " + ids + " ids but the model " + origin
                    + " has a vocabulary of " + rows + ": they belong to different models; pass the model's own tokenizer");
        }
    }

    @Override
    public void close() throws IOException {
        source.close();
    }
}
