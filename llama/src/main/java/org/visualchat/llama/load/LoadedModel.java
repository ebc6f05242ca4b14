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
     * A checkpoint may hold fewer than this many embedding rows past its tokenizer's ids: some pad the table
     * to a multiple of 64 or 128 rows (GEMM-friendly shapes), and generation never samples those rows
     * ({@code Generator} drops their logits; VisualChat's vocabulary resize cuts them off). As many or more
     * mean the tokenizer belongs to another model.
     */
    public static final int MAX_PADDING_ROWS = 128;

    /**
     * This model's tokenizer, read from {@code file} (a tokenizer file, or a folder holding one; see
     * {@link LlamaTokenizer#load}), checked to be the model's: its ids, added tokens included, all have
     * embedding rows, and the model has fewer than {@link #MAX_PADDING_ROWS} rows more; otherwise an error naming
     * both files and sizes. Read after the model, so that a bad model path is reported as such first (the
     * tokenizer's default location is the model's folder). Callers read it before any generation or training,
     * where a mismatch would otherwise surface as an out-of-range id mid-output (or train on the wrong rows).
     */
    public LlamaTokenizer tokenizer(Path file) throws IOException {
        LlamaTokenizer tokenizer = LlamaTokenizer.load(file);
        int ids = tokenizer.vocabSize(), rows = model.config().vocabSize();
        if (ids > rows || rows - ids >= MAX_PADDING_ROWS) {
            throw new IllegalArgumentException("the tokenizer " + file + " has " + ids + " ids but the model " + origin
                    + " has a vocabulary of " + rows + ": they belong to different models; pass the model's own tokenizer");
        }
        return tokenizer;
    }

    @Override
    public void close() throws IOException {
        source.close();
    }
}
