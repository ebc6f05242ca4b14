package org.visualchat.llama.tokenizer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Differential test against the installed {@code spm_encode} (Debian package {@code sentencepiece}, which
 * .ci/run installs) on strings the golden files do not contain: 2000 seeded random one-line strings per model.
 * Fails with a clear message if spm_encode is missing.
 */
class SpmEncodeLiveTest {
    private static final String[] ALPHABET = {"a", "b", "e", "t", "th", "the", " ", "  ", "\t", "0", "7", "42", ".",
        ",", "é", "ß", "Ж", "λ", "日", "本", "한", "ع", "ש", "\u0301", "🦙", "😀", "\u00a0", "\u200b", "▁", "<s>",
        "<", ">", "\ufeff", "𠜎", "\u0007"};

    @ParameterizedTest
    @ValueSource(strings = {"tiny-llama-bpe", "tiny-features-bpe", "llama2"})
    void agreesWithSpmEncode(String model) throws Exception {
        Path file = Goldens.model(model);
        SplittableRandom random = new SplittableRandom(model.hashCode());
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            StringBuilder text = new StringBuilder();
            int length = 1 + random.nextInt(40);
            for (int k = 0; k < length; k++) text.append(ALPHABET[random.nextInt(ALPHABET.length)]);
            texts.add(text.toString());
        }
        List<String> lines = spmEncode(file, texts);
        LlamaTokenizer tokenizer = LlamaTokenizer.load(file);
        List<Goldens.Case> cases = new ArrayList<>();
        for (int i = 0; i < texts.size(); i++) {
            String line = lines.get(i).trim();
            int[] ids = line.isEmpty() ? new int[0] : Arrays.stream(line.split(" ")).mapToInt(Integer::parseInt).toArray();
            cases.add(new Goldens.Case(texts.get(i), ids));
        }
        Goldens.assertAllMatch(model + " vs live spm_encode", cases, c -> tokenizer.encodeOrdinary(c.text()));
    }

    private static List<String> spmEncode(Path model, List<String> texts) throws Exception {
        Process process;
        try {
            process = new ProcessBuilder("spm_encode", "--model=" + model, "--output_format=id").start();
        } catch (IOException e) {
            throw new IOException("this test compares with spm_encode from the Debian package `sentencepiece` "
                    + "(apt-get install sentencepiece), which could not be started: " + e.getMessage(), e);
        }
        CompletableFuture<byte[]> output = CompletableFuture.supplyAsync(() -> {
            try (InputStream in = process.getInputStream()) {
                return in.readAllBytes();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        try (OutputStream in = process.getOutputStream()) {
            in.write((String.join("\n", texts) + "\n").getBytes(StandardCharsets.UTF_8));
        }
        List<String> lines = new String(output.get(), StandardCharsets.UTF_8).lines().toList();
        if (process.waitFor() != 0 || lines.size() != texts.size()) {
            throw new IOException("spm_encode failed: exit " + process.exitValue() + ", " + lines.size() + " lines for "
                    + texts.size() + " inputs; stderr: " + new String(process.getErrorStream().readAllBytes()));
        }
        return lines;
    }
}
