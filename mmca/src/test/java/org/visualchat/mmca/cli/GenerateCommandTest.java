package org.visualchat.mmca.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.visualchat.llama.load.LlamaCheckpoints;
import org.visualchat.llama.model.LlamaConfig;
import org.visualchat.llama.model.LlamaModel;
import org.visualchat.llama.tokenizer.LlamaTokenizer;
import org.visualchat.tensor.DType;
import org.visualchat.tensor.Tensor;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code visualchat generate} end to end on a tiny random model written to disk, and its error lines. */
class GenerateCommandTest {
    /** The small SentencePiece model the tokenizer tests train (llama module test resources; tests run in the module directory). */
    static final Path TOKENIZER = Path.of("../llama/src/test/resources/tokenizer/tiny-llama-bpe.model");

    @TempDir
    Path dir;

    private static String[] run(int expectedExit, String... args) {
        PrintStream out = System.out, err = System.err;
        ByteArrayOutputStream stdout = new ByteArrayOutputStream(), stderr = new ByteArrayOutputStream();
        System.setOut(new PrintStream(stdout, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(stderr, true, StandardCharsets.UTF_8));
        try {
            assertEquals(expectedExit, Main.run(args), () -> stdout.toString(StandardCharsets.UTF_8) + stderr.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
        return new String[] {stdout.toString(StandardCharsets.UTF_8), stderr.toString(StandardCharsets.UTF_8)};
    }

    /** A tiny random model written to {@link #dir} as an HF directory with its tokenizer; returns its weights. */
    private Map<String, Tensor> writeHfModel(LlamaConfig config) throws IOException {
        return writeHfModel(dir, config);
    }

    private static Map<String, Tensor> writeHfModel(Path dir, LlamaConfig config) throws IOException {
        Map<String, Tensor> weights = new LinkedHashMap<>();
        LlamaModel.random(config, 1, DType.F32).namedParameters().forEach((n, p) -> weights.put(n, p.value()));
        LlamaCheckpoints.writeHf(dir, config, weights, Long.MAX_VALUE);
        Files.copy(TOKENIZER, dir.resolve("tokenizer.model"));
        return weights;
    }

    private static LlamaConfig tinyConfig(int layers) throws IOException {
        return LlamaConfig.of(32, 48, layers, 4, 2, LlamaTokenizer.load(TOKENIZER).vocabSize());
    }

    @Test
    void generatesFromAnHfDirectoryAndAGgufFile() throws Exception {
        LlamaConfig config = tinyConfig(2);
        Map<String, Tensor> weights = writeHfModel(config);
        String[] hf = run(0, "generate", "--model", dir.toString(), "--prompt", "The licence", "--max-new-tokens", "6", "--ignore-eos");
        assertTrue(hf[0].startsWith("The licence") && hf[0].length() > "The licence\n".length(), hf[0]);
        assertTrue(hf[1].contains("loading: mapped 21 tensors") && hf[1].contains("6 new tokens") && hf[1].contains("MAX_NEW_TOKENS"), hf[1]);

        Path gguf = dir.resolve("model.gguf");
        LlamaCheckpoints.writeGguf(gguf, config, weights, DType.F32);
        String[] fromGguf = run(0, "generate", "--model", gguf.toString(), "--prompt", "The licence", "--max-new-tokens", "6", "--ignore-eos");
        assertEquals(hf[0], fromGguf[0], "the same weights in GGUF layout continue the same way");

        // A GGUF file alone (no tokenizer.model beside it) brings its own tokenizer, as llama.cpp's files do.
        Path alone = Files.createDirectories(dir.resolve("alone")).resolve("model.gguf");
        LlamaCheckpoints.writeGguf(alone, config, weights, DType.F32, LlamaTokenizer.load(TOKENIZER).ggufMetadata());
        String[] embedded = run(0, "generate", "--model", alone.toString(), "--prompt", "The licence", "--max-new-tokens", "6", "--ignore-eos");
        assertEquals(hf[0], embedded[0], "the embedded tokenizer encodes and decodes as tokenizer.model does");

        // Several prompts decode together, each continuing as it does alone.
        String[] other = run(0, "generate", "--model", dir.toString(), "--prompt", "Permission is", "--max-new-tokens", "6", "--ignore-eos");
        String[] both = run(0, "generate", "--model", dir.toString(), "--prompt", "The licence", "--prompt", "Permission is",
                "--max-new-tokens", "6", "--ignore-eos");
        assertEquals(hf[0] + other[0], both[0]);
    }

    /**
     * {@code --device}: a bad value is a usage error before any model is read (for chat and eval too, which
     * share the option), and an absent OpenCL device is a clear error (it lists the devices present, or says
     * no OpenCL driver was found). Generation on OpenCL itself is tested in opencl-models, whose tests run
     * under the G1 collector the backend needs.
     */
    @Test
    void deviceErrorsNameTheValueAndTheDevicesPresent() throws Exception {
        writeHfModel(tinyConfig(1));
        String missing = dir.resolve("none").toString();
        for (String command : new String[] {"generate", "chat", "eval"}) {
            for (String device : new String[] {"tpu", "gpu", "opencl:x", "opencl:"}) {
                String[] args = command.equals("generate") ? new String[] {command, "--model", missing, "--prompt", "x", "--device", device}
                        : new String[] {command, "--model", missing, "--data", missing, "--device", device};
                String[] bad = run(2, args);
                assertTrue(bad[1].contains("Invalid value for option '--device': must be cpu, opencl or opencl:N, got '" + device + "'"), bad[1]);
            }
        }
        String[] absent = run(1, "generate", "--model", dir.toString(), "--prompt", "x", "--device", "opencl:9");
        assertTrue(absent[1].contains("device 'opencl:9' asks for OpenCL device 9, but "), absent[1]);
    }

    @Test
    void errorsAreOneLine() throws Exception {
        String[] missing = run(1, "generate", "--model", dir.resolve("none").toString(), "--prompt", "x", "--tokenizer", TOKENIZER.toString());
        assertTrue(missing[1].startsWith("visualchat generate: ") && missing[1].contains("does not exist") && missing[1].strip().lines().count() == 1, missing[1]);
        // The model is read before its tokenizer (found beside it by default), so a bad model path is named as such.
        String[] nowhere = run(1, "generate", "--model", dir.resolve("none").toString(), "--prompt", "x");
        assertTrue(nowhere[1].contains(dir.resolve("none") + ": does not exist"), nowhere[1]);
        Path twoGgufs = Files.createDirectories(dir.resolve("two"));
        Files.writeString(twoGgufs.resolve("a.gguf"), "");
        Files.writeString(twoGgufs.resolve("b.gguf"), "");
        String[] ambiguous = run(1, "generate", "--model", twoGgufs.toString(), "--prompt", "x");
        assertTrue(ambiguous[1].contains("exactly one .gguf file (found 2 .gguf files)"), ambiguous[1]);
        String[] noTokenizer = run(1, "generate", "--model", dir.toString(), "--prompt", "x");
        assertTrue(noTokenizer[1].contains("not a LLaMA checkpoint directory"), noTokenizer[1]);
        writeHfModel(tinyConfig(1));
        Files.delete(dir.resolve("tokenizer.model"));
        noTokenizer = run(1, "generate", "--model", dir.toString(), "--prompt", "x");
        assertTrue(noTokenizer[1].contains("no tokenizer.model or tokenizer.json in " + dir + "; pass --tokenizer"), noTokenizer[1]);
        String[] json = run(1, "generate", "--model", dir.resolve("config.json").toString(), "--prompt", "x", "--tokenizer", TOKENIZER.toString());
        assertTrue(json[1].contains(dir.resolve("config.json") + ": is not a safetensors file (it looks like JSON)"), json[1]);
        String[] badTopP = run(1, "generate", "--model", dir.toString(), "--prompt", "x", "--top-p", "2");
        assertTrue(badTopP[1].contains("top-p must be in (0, 1], got 2.0"), badTopP[1]);
        // --kv-cache offers and takes exactly the cache dtypes the decoder has, in any case.
        String[] f16 = run(2, "generate", "--model", dir.toString(), "--prompt", "x", "--kv-cache", "F16");
        assertTrue(f16[1].contains("Invalid value for option '--kv-cache': must be F32 or BF16, got 'F16'"), f16[1]);
        assertTrue(run(0, "generate", "--help")[0].contains("KV cache dtype: F32, BF16 (default: F32;"));
        run(0, "generate", "--model", dir.toString(), "--prompt", "x", "--max-new-tokens", "2", "--kv-cache", "bf16", "--tokenizer", TOKENIZER.toString());
    }

    /**
     * The tokenizer must be the model's: fewer embedding rows than ids, or many more (another model's
     * vocabulary), is one error naming both before anything is generated; a table padded by fewer than
     * LoadedModel.MAX_PADDING_ROWS rows generates (the padding is never sampled: GeneratorTest).
     */
    @Test
    void aTokenizerOfAnotherModelIsRefusedBeforeGenerating() throws Exception {
        int ids = LlamaTokenizer.load(TOKENIZER).vocabSize();
        for (int rows : new int[] {300, ids + 362}) {
            Path model = dir.resolve("vocab-" + rows);
            writeHfModel(model, LlamaConfig.of(32, 48, 1, 4, 2, rows));
            String[] r = run(1, "generate", "--model", model.toString(), "--prompt", "Hi");
            assertEquals("", r[0]);
            assertTrue(r[1].contains("the tokenizer " + model.resolve("tokenizer.model") + " has " + ids + " ids but the model " + model
                    + " has a vocabulary of " + rows), r[1]);
        }
        Path padded = dir.resolve("padded");
        writeHfModel(padded, LlamaConfig.of(32, 48, 1, 4, 2, ids + 64));
        run(0, "generate", "--model", padded.toString(), "--prompt", "Hi", "--max-new-tokens", "4", "--ignore-eos");
    }
}
